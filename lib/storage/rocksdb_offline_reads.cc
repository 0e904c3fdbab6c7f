#include "lib/storage/rocksdb_offline_reads.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kaiku/storage/v1/records.pb.h"
#include "lib/common/status_macros.h"
#include "lib/storage/key_codec.h"
#include "lib/storage/rocksdb_scan.h"
#include "lib/storage/rocksdb_status.h"

namespace kaiku::storage {

absl::Status ForEachTimelineInDb(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* timeline_cf,
    absl::string_view tenant,
    absl::FunctionRef<void(absl::string_view, std::vector<kaiku::v1::Event>)>
        fn) {
  const std::string prefix = TenantPrefix(tenant);
  BoundedScan it(db, timeline_cf, PrefixSuccessor(prefix));
  std::string visitor;
  std::vector<kaiku::v1::Event> timeline;
  kaiku::storage::v1::TimelineRecord record;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    TimelineKeyParts parts;
    if (!DecodeTimelineKey(View(it->key()), &parts))
      return absl::DataLossError("malformed timeline key");
    if (parts.visitor_id != visitor) {
      if (!timeline.empty()) fn(visitor, std::move(timeline));
      timeline.clear();
      visitor = std::string(parts.visitor_id);
    }
    if (!record.ParseFromArray(it->value().data(),
                               static_cast<int>(it->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("unreadable timeline record of visitor ", visitor));
    }
    timeline.push_back(std::move(*record.mutable_event()));
  }
  RETURN_IF_ERROR(FromRocksStatus(it->status(), "reading timelines"));
  if (!timeline.empty()) fn(visitor, std::move(timeline));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ListTenantsInDb(
    rocksdb::DB* db,
    const std::vector<rocksdb::ColumnFamilyHandle*>& families) {
  std::vector<std::string> tenants;
  for (rocksdb::ColumnFamilyHandle* cf : families) {
    BoundedScan it(db, cf, "");
    for (it->SeekToFirst(); it->Valid();) {
      const absl::string_view key = View(it->key());
      const size_t n = static_cast<uint8_t>(key[0]);
      if (key.size() < 1 + n) return absl::DataLossError("malformed key");
      const std::string tenant(key.substr(1, n));
      tenants.push_back(tenant);
      const std::string next = PrefixSuccessor(TenantPrefix(tenant));
      if (next.empty()) break;
      it->Seek(next);
    }
    RETURN_IF_ERROR(FromRocksStatus(it->status(), "listing tenants"));
  }
  std::sort(tenants.begin(), tenants.end());
  tenants.erase(std::unique(tenants.begin(), tenants.end()), tenants.end());
  return tenants;
}

absl::Status ForEachVisitorStateInDb(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* visitor_state,
    absl::string_view tenant,
    absl::FunctionRef<void(absl::string_view, absl::string_view)> fn) {
  const std::string prefix = TenantPrefix(tenant);
  BoundedScan it(db, visitor_state, PrefixSuccessor(prefix));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    absl::string_view t, visitor;
    int64_t last_event;
    absl::string_view state;
    if (!DecodeVisitorKey(View(it->key()), &t, &visitor) ||
        !DecodeVisitorStateValue(View(it->value()), &last_event, &state))
      return absl::DataLossError("malformed visitor state entry");
    fn(visitor, state);
  }
  return FromRocksStatus(it->status(), "reading visitor states");
}

}  // namespace kaiku::storage
