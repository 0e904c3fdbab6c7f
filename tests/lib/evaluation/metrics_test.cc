#include "lib/evaluation/metrics.h"

#include <cmath>

#include "gtest/gtest.h"

namespace kaiku::evaluation {
namespace {

// Scores 0.9+ 0.8- 0.7+ 0.6- 0.5- (+ positive), hand-computed below.
std::vector<Labeled> Five() {
  return {{0.9, true}, {0.8, false}, {0.7, true}, {0.6, false}, {0.5, false}};
}

TEST(MetricsTest, RocAucCountsPairs) {
  // Positive 0.9 beats 3 negatives, 0.7 beats 2: 5 of 6 pairs.
  EXPECT_DOUBLE_EQ(RocAuc(Five()), 5.0 / 6.0);
}

TEST(MetricsTest, RocAucTiesCountHalf) {
  EXPECT_DOUBLE_EQ(RocAuc({{1, true}, {1, false}}), 0.5);
  // 2 beats 0 (1), ties with the 2 (0.5); 1-positive vs 0: 1, vs 2: 0.
  EXPECT_DOUBLE_EQ(RocAuc({{2, true}, {1, true}, {2, false}, {0, false}}),
                   2.5 / 4.0);
  EXPECT_TRUE(std::isnan(RocAuc({{1, true}})));
}

TEST(MetricsTest, AveragePrecision) {
  // Precision at the positives: 1/1 and 2/3.
  EXPECT_DOUBLE_EQ(AveragePrecision(Five()), (1.0 + 2.0 / 3.0) / 2);
  // A tie of one positive and one negative at the top: precision 1/2 there.
  EXPECT_DOUBLE_EQ(AveragePrecision({{1, true}, {1, false}, {0, false}}), 0.5);
}

TEST(MetricsTest, ClassifyAtAndBestF1) {
  Classification c = ClassifyAt(Five(), 0.7);
  EXPECT_DOUBLE_EQ(c.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(c.recall, 1.0);
  EXPECT_DOUBLE_EQ(c.f1, 0.8);
  Classification best = BestF1(Five());
  EXPECT_DOUBLE_EQ(best.threshold, 0.7);
  EXPECT_DOUBLE_EQ(best.f1, 0.8);
  EXPECT_DOUBLE_EQ(ClassifyAt(Five(), 2).f1, 0);
}

TEST(MetricsTest, FBetaTradesPrecisionForRecall) {
  // At 0.9: precision 1, recall 1/2; at 0.7: precision 2/3, recall 1.
  // F2: 0.556 vs 0.909, so 0.7; F0.5: 0.833 vs 0.714, so 0.9.
  EXPECT_DOUBLE_EQ(BestFBeta(Five(), 2).threshold, 0.7);
  EXPECT_DOUBLE_EQ(BestFBeta(Five(), 0.5).threshold, 0.9);
  // Many negatives at the bottom tie: recall-heavy F-beta takes them in.
  std::vector<Labeled> wide = {{0.9, true}, {0.1, true}, {0.1, false}};
  EXPECT_DOUBLE_EQ(BestFBeta(wide, 4).threshold, 0.1);
  EXPECT_DOUBLE_EQ(BestFBeta(wide, 0.25).threshold, 0.9);
}

TEST(MetricsTest, PrecisionAtKSharesTies) {
  EXPECT_DOUBLE_EQ(PrecisionAtK(Five(), 1), 1.0);
  EXPECT_DOUBLE_EQ(PrecisionAtK(Five(), 3), 2.0 / 3.0);
  // Three tied at the top, one positive among them: k=2 takes 2/3 of it.
  EXPECT_DOUBLE_EQ(PrecisionAtK({{1, true}, {1, false}, {1, false}}, 2),
                   1.0 / 3.0);
  EXPECT_DOUBLE_EQ(PrecisionAtK(Five(), 100), 2.0 / 5.0);
}

}  // namespace
}  // namespace kaiku::evaluation
