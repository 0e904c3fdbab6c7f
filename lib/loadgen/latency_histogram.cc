#include "lib/loadgen/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace kaiku::loadgen {

int LatencyHistogram::BucketOf(int64_t micros) {
  const uint64_t v = micros < 0 ? 0 : static_cast<uint64_t>(micros);
  if (v < 2 * kSubBuckets) return static_cast<int>(v);
  // v >> shift lies in [kSubBuckets, 2 * kSubBuckets).
  const int shift = std::bit_width(v) - 6;
  return kSubBuckets * shift + static_cast<int>(v >> shift);
}

int64_t LatencyHistogram::BucketUpperBound(int bucket) {
  if (bucket < 2 * kSubBuckets) return bucket;
  const int shift = bucket / kSubBuckets - 1;
  const int64_t sub = bucket % kSubBuckets + kSubBuckets;
  return ((sub + 1) << shift) - 1;
}

void LatencyHistogram::Record(int64_t micros) {
  micros = std::max<int64_t>(micros, 0);
  ++counts_[std::min(BucketOf(micros), kBuckets - 1)];
  ++count_;
  sum_ += micros;
  max_ = std::max(max_, micros);
}

void LatencyHistogram::Add(const LatencyHistogram& other) {
  for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

int64_t LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  const int64_t rank = std::max<int64_t>(
      1, static_cast<int64_t>(
             std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_))));
  int64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(BucketUpperBound(i), max_);
  }
  return max_;
}

}  // namespace kaiku::loadgen
