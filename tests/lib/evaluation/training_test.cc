#include "lib/evaluation/training.h"

#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "lib/evaluation/metrics.h"
#include "lib/scoring/fold.h"
#include "lib/scoring/model_loader.h"

namespace kaiku::evaluation {
namespace {

using ::testing::HasSubstr;

int SignalIndex(const scoring::Model& model, const std::string& name) {
  for (size_t i = 0; i < model.signals().size(); ++i)
    if (model.signals()[i].name == name) return static_cast<int>(i);
  return -1;
}

TEST(TrainingTest, RecoversTheWeightsOfASyntheticModel) {
  std::shared_ptr<const scoring::Model> base = scoring::DefaultModel();
  const int carts = SignalIndex(*base, "cart_views");
  const int products = SignalIndex(*base, "product_views");
  ASSERT_GE(carts, 0);
  ASSERT_GE(products, 0);
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> value(0, 3);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<Example> examples;
  for (int i = 0; i < 30000; ++i) {
    Example& e = examples.emplace_back();
    e.features.assign(base->signals().size(), 0.0);
    e.features[carts] = value(rng);
    e.features[products] = value(rng);
    const double z =
        -2.0 + 1.1 * e.features[carts] - 0.4 * e.features[products];
    e.converted = unit(rng) < 1 / (1 + std::exp(-z));
  }
  TrainingOptions options;
  options.logistic.l2 = 1e-6;
  options.version = "learned-test-1";
  options.fit_levels = false;
  absl::StatusOr<TrainingResult> trained = TrainModel(*base, examples, options);
  ASSERT_TRUE(trained.ok()) << trained.status();
  EXPECT_EQ(trained->model.version(), "learned-test-1");
  EXPECT_NEAR(trained->model.bias(), -2.0, 0.1);
  EXPECT_NEAR(trained->model.signals(carts).weight(), 1.1, 0.06);
  EXPECT_NEAR(trained->model.signals(products).weight(), -0.4, 0.06);
  for (int i = 0; i < trained->model.signals_size(); ++i) {
    if (i != carts && i != products) {
      EXPECT_EQ(trained->model.signals(i).weight(), 0) << i;
    }
  }
  // Everything but the weights is the base model's.
  EXPECT_EQ(trained->model.levels().hot().enter(),
            base->proto().levels().hot().enter());
  EXPECT_EQ(trained->model.triggers_size(), base->proto().triggers_size());
}

// The learned model scores a visitor in the scorer exactly as the fit says:
// 100 · sigmoid(bias + Σ weight · feature), with the base model's features.
TEST(TrainingTest, TheScorerComputesTheFittedProbability) {
  std::shared_ptr<const scoring::Model> base = scoring::DefaultModel();
  std::mt19937 rng(5);
  std::vector<Example> examples;
  for (int i = 0; i < 400; ++i) {
    Example& e = examples.emplace_back();
    e.features.assign(base->signals().size(), 0.0);
    for (double& f : e.features)
      f = std::uniform_real_distribution<>(0, 2)(rng);
    e.converted = i % 3 == 0;
  }
  TrainingOptions options;
  options.version = "learned-test-2";
  absl::StatusOr<TrainingResult> trained = TrainModel(*base, examples, options);
  ASSERT_TRUE(trained.ok()) << trained.status();
  auto learned = scoring::Model::Compile(trained->model);
  ASSERT_TRUE(learned.ok()) << learned.status();

  std::vector<kaiku::v1::Event> timeline;
  const int64_t t0 = int64_t{1764000000} * 1000000;
  for (int i = 0; i < 5; ++i) {
    kaiku::v1::Event& e = timeline.emplace_back();
    e.set_event_id(absl::StrCat("e", i));
    e.set_visitor_id("v");
    *e.mutable_occurred_at() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
            t0 + i * int64_t{90} * 1000000);
    e.mutable_page_view()->set_url(i % 2 ? "https://s.example/pricing"
                                         : "https://s.example/products/a");
  }
  scoring::Scorer scorer(**learned);
  scoring::VisitorState state = scoring::FoldTimeline(scorer, timeline);
  const int64_t at = t0 + 3600 * int64_t{1000000};
  std::vector<double> x = scoring::Scorer(*base).Features(
      scoring::FoldTimeline(scoring::Scorer(*base), timeline), at);
  double z = trained->fit.bias;
  for (size_t i = 0; i < x.size(); ++i) z += trained->fit.weights[i] * x[i];
  EXPECT_NEAR(scorer.Evaluate(state, at).score, 100 / (1 + std::exp(-z)), 1e-9);
}

// A curve the weights cannot express: buyers at middling values of one
// signal. Free shapes learn the bump; monotone ones cannot rise and fall, and
// every learned curve is 0 at f = 0 and scores exactly as the fit.
TEST(TrainingTest, ShapesLearnACurveAndMonotoneOnesKeepTheirDirection) {
  std::shared_ptr<const scoring::Model> base = scoring::DefaultModel();
  // LINEAR without a cap: f(value) = value, so curves over f read directly.
  const int carts = SignalIndex(*base, "conversions");
  std::mt19937 rng(7);
  std::vector<Example> examples;
  for (int i = 0; i < 20000; ++i) {
    Example& e = examples.emplace_back();
    e.features.assign(base->signals().size(), 0.0);
    e.features[carts] = std::uniform_real_distribution<>(0, 4)(rng);
    const double z = -2.0 + 3.0 * std::exp(-std::pow(e.features[carts] - 2, 2));
    e.converted =
        std::uniform_real_distribution<>(0, 1)(rng) < 1 / (1 + std::exp(-z));
  }
  TrainingOptions options;
  options.version = "shaped-1";
  options.logistic.l2 = 1e-5;
  options.fit_levels = false;
  options.shapes = ShapeKind::kFree;
  absl::StatusOr<TrainingResult> free_fit =
      TrainModel(*base, examples, options);
  ASSERT_TRUE(free_fit.ok()) << free_fit.status();
  const kaiku::config::v1::Shape& shape =
      free_fit->model.signals(carts).shape();
  ASSERT_GE(shape.x_size(), 4);
  EXPECT_EQ(shape.x(0), 0);
  EXPECT_EQ(shape.y(0), 0);
  EXPECT_EQ(free_fit->model.signals(carts).weight(), 0);
  // The bump: the curve near 2 is well above both ends.
  auto compiled = scoring::Model::Compile(free_fit->model);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  const scoring::SignalSpec& spec = (*compiled)->signals()[carts];
  EXPECT_GT(spec.Contribution(2) - spec.Contribution(0.05), 2.0);
  EXPECT_GT(spec.Contribution(2) - spec.Contribution(4), 2.0);
  // Signals that are always 0 get no curve.
  const int identifies = SignalIndex(*base, "identifies");
  EXPECT_FALSE(free_fit->model.signals(identifies).has_shape());
  EXPECT_EQ(free_fit->model.signals(identifies).weight(), 0);
  // The model scores as the fit: with the bias unpenalised, the fit's mean
  // probability is the positive rate, so the curves written into the model
  // (bias + Σ curve_i(feature_i)) must give that mean too.
  double mean = 0, rate = 0;
  for (const Example& e : examples) {
    double z = free_fit->model.bias();
    for (size_t i = 0; i < e.features.size(); ++i)
      z += (*compiled)->signals()[i].Contribution(e.features[i]);
    mean += 1 / (1 + std::exp(-z));
    rate += e.converted ? 1 : 0;
  }
  EXPECT_NEAR(mean / examples.size(), rate / examples.size(), 1e-6);

  options.shapes = ShapeKind::kMonotone;
  options.version = "shaped-2";
  absl::StatusOr<TrainingResult> monotone =
      TrainModel(*base, examples, options);
  ASSERT_TRUE(monotone.ok()) << monotone.status();
  const kaiku::config::v1::Shape& m = monotone->model.signals(carts).shape();
  ASSERT_GE(m.y_size(), 2);
  bool rising = true, falling = true;
  for (int k = 1; k < m.y_size(); ++k) {
    rising = rising && m.y(k) >= m.y(k - 1);
    falling = falling && m.y(k) <= m.y(k - 1);
  }
  EXPECT_TRUE(rising || falling);
}

TEST(TrainingTest, FitsRisingLevelsAtTheBestFThresholds) {
  std::shared_ptr<const scoring::Model> base = scoring::DefaultModel();
  const int carts = SignalIndex(*base, "cart_views");
  std::mt19937 rng(3);
  std::vector<Example> examples;
  for (int i = 0; i < 5000; ++i) {
    Example& e = examples.emplace_back();
    e.features.assign(base->signals().size(), 0.0);
    e.features[carts] = std::uniform_real_distribution<>(0, 3)(rng);
    const double z = -3.0 + 1.5 * e.features[carts];
    e.converted =
        std::uniform_real_distribution<>(0, 1)(rng) < 1 / (1 + std::exp(-z));
  }
  TrainingOptions options;
  options.version = "learned-test-3";
  absl::StatusOr<TrainingResult> trained = TrainModel(*base, examples, options);
  ASSERT_TRUE(trained.ok()) << trained.status();
  const auto& levels = trained->model.levels();
  EXPECT_LT(levels.warm().enter(), levels.hot().enter());
  EXPECT_LT(levels.hot().enter(), levels.sales_ready().enter());
  EXPECT_LE(levels.hot().exit(), levels.hot().enter());
  // Hot is where F1 is best on the training examples' learned scores.
  std::vector<Labeled> scored;
  for (const Example& e : examples) {
    double z = trained->fit.bias;
    for (size_t i = 0; i < e.features.size(); ++i)
      z += trained->fit.weights[i] * e.features[i];
    scored.push_back({100 / (1 + std::exp(-z)), e.converted});
  }
  EXPECT_DOUBLE_EQ(levels.hot().enter(), BestF1(scored).threshold);
  EXPECT_DOUBLE_EQ(levels.hot().exit() / levels.hot().enter(),
                   base->proto().levels().hot().exit() /
                       base->proto().levels().hot().enter());
}

TEST(TrainingTest, NeedsBothLabels) {
  std::shared_ptr<const scoring::Model> base = scoring::DefaultModel();
  std::vector<Example> examples(3);
  for (Example& e : examples) e.features.assign(base->signals().size(), 0.0);
  TrainingOptions options;
  options.version = "x";
  EXPECT_THAT(TrainModel(*base, examples, options).status().message(),
              HasSubstr("0 of 3 converted"));
}

}  // namespace
}  // namespace kaiku::evaluation
