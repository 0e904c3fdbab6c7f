// Erasure reaching the checkpoints kept beside a live store (the admin
// CreateCheckpoint call writes them under <data_dir>/checkpoints): a forgotten
// visitor must not survive in a backup on the same disk.
#ifndef KAIKU_LIB_STORAGE_CHECKPOINT_ERASURE_H_
#define KAIKU_LIB_STORAGE_CHECKPOINT_ERASURE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kaiku::storage {

// Opens each store directly under `dir` in turn (a missing `dir` has none),
// erases the visitor there and purges it (Store::EraseVisitor, PurgeErased).
// Returns how many checkpoints held events of the visitor. A checkpoint that
// cannot be opened is an error naming it, after the others were done.
absl::StatusOr<int> EraseFromCheckpoints(const std::string& dir,
                                         absl::string_view tenant,
                                         absl::string_view visitor_id);

}  // namespace kaiku::storage

#endif  // KAIKU_LIB_STORAGE_CHECKPOINT_ERASURE_H_
