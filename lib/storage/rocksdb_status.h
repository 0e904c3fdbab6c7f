// The one place where rocksdb::Status becomes absl::Status.
#ifndef KAIKU_LIB_STORAGE_ROCKSDB_STATUS_H_
#define KAIKU_LIB_STORAGE_ROCKSDB_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace kaiku::storage {

// Maps a RocksDB status to an absl one, prefixing the message with `what`.
// Transient and environmental failures (I/O error, no space, busy, timed out,
// aborted) become UNAVAILABLE so that clients retry; corruption becomes
// DATA_LOSS.
absl::Status FromRocksStatus(const rocksdb::Status& s, absl::string_view what);

}  // namespace kaiku::storage

#endif  // KAIKU_LIB_STORAGE_ROCKSDB_STATUS_H_
