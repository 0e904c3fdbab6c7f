#include "lib/storage/rocksdb_journal.h"

#include <algorithm>
#include <memory>

#include "kaiku/storage/v1/records.pb.h"
#include "lib/common/status_macros.h"
#include "lib/storage/key_codec.h"
#include "lib/storage/rocksdb_scan.h"
#include "lib/storage/rocksdb_status.h"

namespace kaiku::storage {

absl::Status ForEachJournalRecordInDb(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* journal,
    absl::FunctionRef<void(uint32_t, uint64_t, absl::string_view)> fn) {
  if (journal == nullptr) return absl::OkStatus();
  std::unique_ptr<rocksdb::Iterator> it(
      db->NewIterator(rocksdb::ReadOptions(), journal));
  for (it->Seek("r"); it->Valid() && it->key().starts_with("r"); it->Next()) {
    uint32_t shard;
    uint64_t sequence;
    if (!DecodeJournalRecordKey(View(it->key()), &shard, &sequence))
      return absl::DataLossError("malformed journal key");
    fn(shard, sequence, View(it->value()));
  }
  return FromRocksStatus(it->status(), "reading the journal");
}

absl::StatusOr<std::optional<std::string>> GetJournalModelInDb(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* journal,
    uint32_t fingerprint) {
  if (journal == nullptr) return std::nullopt;
  std::string value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), journal,
                              JournalModelKey(fingerprint), &value);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocksStatus(s, "reading the journal"));
  return value;
}

absl::Status ClearJournalInDb(rocksdb::DB* db,
                              rocksdb::ColumnFamilyHandle* journal) {
  if (journal == nullptr) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  batch.DeleteRange(journal, kJournalBegin, kJournalEnd).PermitUncheckedError();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocksStatus(db->Write(wo, &batch), "clearing the journal");
}

absl::Status StripVisitorFromJournal(rocksdb::DB* db,
                                     rocksdb::ColumnFamilyHandle* journal,
                                     absl::string_view tenant,
                                     absl::string_view visitor_id,
                                     rocksdb::WriteBatch* batch) {
  if (journal == nullptr) return absl::OkStatus();
  BoundedScan it(db, journal, kJournalEnd);
  kaiku::storage::v1::JournalRecord record;
  for (it->Seek("r"); it->Valid(); it->Next()) {
    if (View(it->value()).find(visitor_id) == absl::string_view::npos) continue;
    if (!record.ParseFromArray(it->value().data(),
                               static_cast<int>(it->value().size())))
      continue;
    auto* entries = record.mutable_entries();
    const int before = entries->size();
    entries->erase(
        std::remove_if(entries->begin(), entries->end(),
                       [&](const kaiku::storage::v1::JournalEntry& e) {
                         return e.tenant() == tenant &&
                                e.visitor_id() == visitor_id;
                       }),
        entries->end());
    if (entries->size() == before) continue;
    batch->Put(journal, it->key(), record.SerializeAsString())
        .PermitUncheckedError();
  }
  return FromRocksStatus(it->status(), "reading the journal");
}

}  // namespace kaiku::storage
