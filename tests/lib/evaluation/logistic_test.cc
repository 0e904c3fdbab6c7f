#include "lib/evaluation/logistic.h"

#include <cmath>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kaiku::evaluation {
namespace {

using ::testing::HasSubstr;

// Labels drawn from a logistic model with known coefficients.
void Synthetic(int n, double bias, const std::vector<double>& weights,
               std::vector<std::vector<double>>* x, std::vector<bool>* y) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> feature(0, 3);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < n; ++i) {
    std::vector<double> row;
    double z = bias;
    for (double w : weights) {
      row.push_back(feature(rng));
      z += w * row.back();
    }
    x->push_back(row);
    y->push_back(unit(rng) < 1 / (1 + std::exp(-z)));
  }
}

TEST(LogisticTest, RecoversKnownWeights) {
  std::vector<std::vector<double>> x;
  std::vector<bool> y;
  const std::vector<double> truth = {1.2, -0.8, 0.0, 0.5};
  Synthetic(40000, -1.5, truth, &x, &y);
  LogisticOptions options;
  options.l2 = 0;
  absl::StatusOr<LogisticFit> fit = FitLogistic(x, y, options);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_NEAR(fit->bias, -1.5, 0.08);
  for (size_t i = 0; i < truth.size(); ++i)
    EXPECT_NEAR(fit->weights[i], truth[i], 0.05) << "weight " << i;
}

TEST(LogisticTest, PenaltyShrinksAndHandlesSeparableData) {
  // Perfectly separable: without a penalty the weight grows without bound.
  std::vector<std::vector<double>> x = {{0}, {1}, {2}, {3}};
  std::vector<bool> y = {false, false, true, true};
  LogisticOptions options;
  options.l2 = 0.1;
  absl::StatusOr<LogisticFit> fit = FitLogistic(x, y, options);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_GT(fit->weights[0], 0.5);
  EXPECT_LT(fit->weights[0], 10);
  options.l2 = 10;
  absl::StatusOr<LogisticFit> strong = FitLogistic(x, y, options);
  ASSERT_TRUE(strong.ok());
  EXPECT_LT(strong->weights[0], fit->weights[0]);
}

TEST(LogisticTest, AConstantZeroFeatureGetsWeightZero) {
  std::vector<std::vector<double>> x;
  std::vector<bool> y;
  Synthetic(2000, 0.3, {0.7}, &x, &y);
  for (auto& row : x) row.push_back(0);
  absl::StatusOr<LogisticFit> fit = FitLogistic(x, y);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_EQ(fit->weights[1], 0);
}

TEST(LogisticTest, RefusesBadInput) {
  EXPECT_THAT(FitLogistic({}, {}).status().message(), HasSubstr("no examples"));
  EXPECT_THAT(FitLogistic({{1}, {1, 2}}, {true, false}).status().message(),
              HasSubstr("example 1 has 2 features"));
  EXPECT_THAT(FitLogistic({{NAN}}, {true}).status().message(),
              HasSubstr("not finite"));
}

}  // namespace
}  // namespace kaiku::evaluation
