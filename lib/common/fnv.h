// FNV-1a hashes: stable across processes and builds (unlike absl::Hash), for
// values that are stored or sent (state fields, cursors, model fingerprints).
#ifndef KAIKU_LIB_COMMON_FNV_H_
#define KAIKU_LIB_COMMON_FNV_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace kaiku {

inline uint32_t Fnv1a32(absl::string_view bytes) {
  uint32_t h = 2166136261u;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

inline uint64_t Fnv1a64(absl::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace kaiku

#endif  // KAIKU_LIB_COMMON_FNV_H_
