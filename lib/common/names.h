// Names that clients give to server-side things (consumers, checkpoints) and
// that end up in keys and paths: 1..64 of [A-Za-z0-9_.-].
#ifndef KAIKU_LIB_COMMON_NAMES_H_
#define KAIKU_LIB_COMMON_NAMES_H_

#include "absl/strings/string_view.h"

namespace kaiku {

inline bool IsSimpleName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace kaiku

#endif  // KAIKU_LIB_COMMON_NAMES_H_
