// A latency histogram with bounded relative error, for load generation:
// values in microseconds, 32 buckets per power of two above 64 µs (at most
// about 3 % error), exact below. Fixed size (about 10 KB), so recording never
// allocates.
//
//   LatencyHistogram h;
//   h.Record(micros);
//   h.Percentile(0.99);
//
// Thread safety: none; merge per-thread histograms with Add.
#ifndef KAIKU_LIB_LOADGEN_LATENCY_HISTOGRAM_H_
#define KAIKU_LIB_LOADGEN_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace kaiku::loadgen {

class LatencyHistogram {
 public:
  // Negative values count as 0.
  void Record(int64_t micros);
  void Add(const LatencyHistogram& other);
  void Clear() { *this = LatencyHistogram(); }

  int64_t count() const { return count_; }
  int64_t max() const { return max_; }
  double mean() const {
    return count_ == 0 ? 0 : static_cast<double>(sum_) / count_;
  }
  // The smallest recorded value v (to the bucket's precision, the bucket's
  // upper end capped at max()) with at least q of the values <= v; 0 when
  // empty. q in [0, 1].
  int64_t Percentile(double q) const;

  // Bucket layout, exposed for tests.
  static int BucketOf(int64_t micros);
  static int64_t BucketUpperBound(int bucket);

 private:
  static constexpr int kSubBuckets = 32;
  static constexpr int kBuckets = 2 * kSubBuckets + 58 * kSubBuckets;
  std::array<int64_t, kBuckets> counts_{};
  int64_t count_ = 0;
  int64_t sum_ = 0;
  int64_t max_ = 0;
};

}  // namespace kaiku::loadgen

#endif  // KAIKU_LIB_LOADGEN_LATENCY_HISTOGRAM_H_
