#include "lib/loadgen/latency_histogram.h"

#include <random>

#include "gtest/gtest.h"

namespace kaiku::loadgen {
namespace {

TEST(LatencyHistogramTest, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.Percentile(0.99), 0);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int v = 1; v <= 50; ++v) h.Record(v);
  EXPECT_EQ(h.Percentile(0.5), 25);
  EXPECT_EQ(h.Percentile(1.0), 50);
  EXPECT_EQ(h.max(), 50);
  EXPECT_DOUBLE_EQ(h.mean(), 25.5);
}

TEST(LatencyHistogramTest, BucketsCoverEveryValueWithSmallError) {
  for (int64_t v : {int64_t{64}, int64_t{65}, int64_t{1000}, int64_t{123456},
                    int64_t{1} << 40}) {
    const int b = LatencyHistogram::BucketOf(v);
    EXPECT_GE(LatencyHistogram::BucketUpperBound(b), v);
    EXPECT_LE(LatencyHistogram::BucketUpperBound(b), v + v / 32 + 1) << v;
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::BucketUpperBound(b - 1), v);
    }
  }
}

TEST(LatencyHistogramTest, PercentilesOfAUniformSampleWithin3Percent) {
  LatencyHistogram a, b;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> d(1, 100000);
  for (int i = 0; i < 100000; ++i) (i % 2 ? a : b).Record(d(rng));
  a.Add(b);
  EXPECT_EQ(a.count(), 100000);
  EXPECT_NEAR(a.Percentile(0.5), 50000, 1500);
  EXPECT_NEAR(a.Percentile(0.99), 99000, 3000);
  EXPECT_LE(a.Percentile(0.999), a.max());
}

TEST(LatencyHistogramTest, NegativeCountsAsZero) {
  LatencyHistogram h;
  h.Record(-5);
  EXPECT_EQ(h.Percentile(1), 0);
}

}  // namespace
}  // namespace kaiku::loadgen
