// Whole-tenant reads of the RocksDB store for offline tools (training,
// evaluation, the exactness check): Store::ForEachTimeline, ListTenants and
// ForEachVisitorState. Internal to lib/storage.
#ifndef KAIKU_LIB_STORAGE_ROCKSDB_OFFLINE_READS_H_
#define KAIKU_LIB_STORAGE_ROCKSDB_OFFLINE_READS_H_

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kaiku/v1/event.pb.h"
#include "rocksdb/db.h"

namespace kaiku::storage {

// Every visitor's timeline of `tenant`, one visitor at a time, in key order.
absl::Status ForEachTimelineInDb(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* event_index,
    rocksdb::ColumnFamilyHandle* events, absl::string_view tenant,
    absl::FunctionRef<void(absl::string_view, std::vector<kaiku::v1::Event>)>
        fn);

// The tenants with a key in any of `families` (whose keys start with the
// tenant prefix), sorted, each once. Seeks from tenant to tenant.
absl::StatusOr<std::vector<std::string>> ListTenantsInDb(
    rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& families);

// Every visitor state of `tenant`: the visitor id and the state's bytes.
absl::Status ForEachVisitorStateInDb(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* visitor_state,
    absl::string_view tenant,
    absl::FunctionRef<void(absl::string_view, absl::string_view)> fn);

}  // namespace kaiku::storage

#endif  // KAIKU_LIB_STORAGE_ROCKSDB_OFFLINE_READS_H_
