// Erasure of one visitor from the RocksDB store (rocksdb_store.cc), and the
// purge that makes erased data physically gone. Internal to lib/storage.
//
// What an erasure writes, in one synced WriteBatch:
//  - event_index: a range deletion of the visitor's prefix;
//  - events: a deletion of each of the visitor's records in the log;
//  - visitor_state, leads: deletions of the visitor key;
//  - scorelog: each of its entries overwritten by an erased record (no event,
//    the append time kept), so sequence numbers stay taken and gap-free;
//  - journal: each record naming the visitor rewritten without its entries
//    (the ingest worker wrote the visitor's state first, so none is needed);
//    the purge rewrites all of the journal (minutes of records), since
//    trimmed records may still be in its files.
//
// What stays on disk until the purge: the old values in SST files and
// memtables, the write-ahead log files that logged them and the erasure, the
// deletion markers (which name the keys), and the MANIFEST's key bounds of the
// files. Erasure::ranges records where they are: one visitor's key range, but
// the score log's (from its first to its last entry) and one key per record in
// the event log. The purge rewrites the files overlapping them: a visitor's
// key ranges take a file or two each; its records in the log take one file
// (at most 64 MiB, RocksDB's target file size) per stretch of the log that
// holds some, so a purge writes at most 64 MiB per erased event and usually
// far less (a visitor's events of one session sit in one file).
#ifndef KAIKU_LIB_STORAGE_ROCKSDB_ERASURE_H_
#define KAIKU_LIB_STORAGE_ROCKSDB_ERASURE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/storage/rocksdb_batch.h"
#include "rocksdb/db.h"

namespace kaiku::storage {

// Key ranges [begin, end) whose files hold erased data.
struct ErasedRange {
  rocksdb::ColumnFamilyHandle* cf = nullptr;
  std::string begin;
  std::string end;
};

struct Erasure {
  // Events the visitor's timeline held.
  int64_t events = 0;
  std::vector<ErasedRange> ranges;
};

// Erases the visitor (see the file comment). The caller serializes erasures
// with score-log trimming (a trimmed entry must not be written again).
absl::StatusOr<Erasure> EraseVisitorFromDb(rocksdb::DB* db, const Families& cf,
                                           absl::string_view tenant,
                                           absl::string_view visitor_id);

// Flushes every column family in `all`, compacts the files overlapping
// `ranges` (each once) to the last level,
// and rolls the MANIFEST (which needs max_manifest_file_size = 0, so that
// every version change writes a new MANIFEST of the current files only) by one
// more flush of `marker_cf` after a small write to it.
absl::Status PurgeRanges(rocksdb::DB* db,
                         const std::vector<rocksdb::ColumnFamilyHandle*>& all,
                         const std::vector<ErasedRange>& ranges,
                         rocksdb::ColumnFamilyHandle* marker_cf);

}  // namespace kaiku::storage

#endif  // KAIKU_LIB_STORAGE_ROCKSDB_ERASURE_H_
