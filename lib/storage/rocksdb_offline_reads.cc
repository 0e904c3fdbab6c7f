#include "lib/storage/rocksdb_offline_reads.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/storage/key_codec.h"
#include "lib/storage/rocksdb_event_log.h"
#include "lib/storage/rocksdb_scan.h"
#include "lib/storage/rocksdb_status.h"

namespace kaiku::storage {

absl::Status ForEachTimelineInDb(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* event_index,
    rocksdb::ColumnFamilyHandle* events, absl::string_view tenant,
    absl::FunctionRef<void(absl::string_view, std::vector<kaiku::v1::Event>)>
        fn) {
  const std::string prefix = TenantPrefix(tenant);
  BoundedScan it(db, event_index, PrefixSuccessor(prefix));
  std::string visitor;
  std::vector<std::string> log_keys;
  auto flush = [&]() -> absl::Status {
    std::vector<kaiku::v1::Event> timeline;
    RETURN_IF_ERROR(ReadLoggedEvents(db, events, log_keys, visitor, &timeline));
    log_keys.clear();
    if (!timeline.empty()) fn(visitor, std::move(timeline));
    return absl::OkStatus();
  };
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    TimelineKeyParts parts;
    if (!DecodeTimelineKey(View(it->key()), &parts))
      return absl::DataLossError("malformed timeline key");
    if (parts.visitor_id != visitor) {
      RETURN_IF_ERROR(flush());
      visitor = std::string(parts.visitor_id);
    }
    log_keys.emplace_back(it->value().data(), it->value().size());
  }
  RETURN_IF_ERROR(FromRocksStatus(it->status(), "reading timelines"));
  return flush();
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
