// The ingest journal's column family in the RocksDB store (layout:
// key_codec.h): Store::ForEachJournalRecord, GetJournalModel, ClearJournal,
// and what an erasure does to it. Internal to lib/storage. `journal` may be
// null (a store written before the journal, opened read-only): then there is
// nothing in it.
#ifndef KAIKU_LIB_STORAGE_ROCKSDB_JOURNAL_H_
#define KAIKU_LIB_STORAGE_ROCKSDB_JOURNAL_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace kaiku::storage {

// The range [begin, end) holding every key of the journal.
inline constexpr char kJournalBegin[] = "";
inline constexpr char kJournalEnd[] = "s";  // above 'm...' and 'r...'

absl::Status ForEachJournalRecordInDb(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* journal,
    absl::FunctionRef<void(uint32_t, uint64_t, absl::string_view)> fn);

absl::StatusOr<std::optional<std::string>> GetJournalModelInDb(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* journal,
    uint32_t fingerprint);

// Deletes every key, in one synced write.
absl::Status ClearJournalInDb(rocksdb::DB* db,
                              rocksdb::ColumnFamilyHandle* journal);

// Puts into `batch` each record naming the visitor, rewritten without its
// entries. A record whose bytes do not hold the visitor id has none.
absl::Status StripVisitorFromJournal(rocksdb::DB* db,
                                     rocksdb::ColumnFamilyHandle* journal,
                                     absl::string_view tenant,
                                     absl::string_view visitor_id,
                                     rocksdb::WriteBatch* batch);

}  // namespace kaiku::storage

#endif  // KAIKU_LIB_STORAGE_ROCKSDB_JOURNAL_H_
