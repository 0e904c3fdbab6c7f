// Microseconds on a monotonic clock, for timing load runs (never for event
// times).
#ifndef KAIKU_LIB_LOADGEN_MONOTONIC_H_
#define KAIKU_LIB_LOADGEN_MONOTONIC_H_

#include <chrono>
#include <cstdint>

namespace kaiku::loadgen {

inline int64_t MonotonicMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace kaiku::loadgen

#endif  // KAIKU_LIB_LOADGEN_MONOTONIC_H_
