// The event log of the RocksDB store (rocksdb_store.cc; layout in
// key_codec.h): where its keys come from, how a visitor's events are read
// through the event index, retention by whole files, and the move of a store
// of the earlier layout (records in the "timeline" column family) into the
// log. Internal to lib/storage.
//
// Why a log and an index rather than one record per visitor-ordered key: the
// records (about 200 bytes each) go to keys that only grow, so they are
// flushed once and moved down the levels without being rewritten, and leave
// by whole files; only the index entries (about 60 bytes) land at random keys
// and are compacted. Measured with kaiku_baseline on the live workload, 45 s
// per layout, two rounds (docs/benchmark.md): 5.6 µs of CPU per event for log
// and index, 6.8 µs for the records under visitor-first keys, 5.3 µs under
// time-first keys alone (medians, event generation included).
#ifndef KAIKU_LIB_STORAGE_ROCKSDB_EVENT_LOG_H_
#define KAIKU_LIB_STORAGE_ROCKSDB_EVENT_LOG_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kaiku/v1/event.pb.h"
#include "lib/storage/rocksdb_batch.h"
#include "rocksdb/db.h"

namespace kaiku::storage {

// Hands out event log keys. Thread-safe.
class EventLogPositions {
 public:
  // Continues after the log's greatest key (none: an empty log).
  absl::Status Start(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events);

  // Appends to `out` the key of the next event, which arrived at
  // `arrival_micros`: its log time is the arrival time or the greatest log
  // time handed out before, if that is later; its sequence number is the
  // next one.
  void Next(int64_t arrival_micros, std::string* out);

 private:
  std::atomic<int64_t> time_{0};
  std::atomic<uint64_t> sequence_{0};
};

// The events whose log keys are `keys`, in that order, appended to `events`.
// A key whose entry is gone (the log keeps an event at least as long as its
// index entry, so only a read racing retention sees that) is skipped.
absl::Status ReadLoggedEvents(rocksdb::DB* db,
                              rocksdb::ColumnFamilyHandle* events,
                              const std::vector<std::string>& keys,
                              absl::string_view visitor_id,
                              std::vector<kaiku::v1::Event>* out);

// Removes the log's files whose entries all have log times before
// `cutoff_micros`: deletes them (RocksDB DeleteFilesInRange: nothing is read
// or rewritten), but level-0 ones, which are compacted away (every entry
// dropped by the log's compaction filter). Nothing newer is rewritten.
absl::Status DropLogFilesBefore(rocksdb::DB* db,
                                rocksdb::ColumnFamilyHandle* events,
                                int64_t cutoff_micros);

// Moves every record of the earlier layout's "timeline" column family into
// the log and the index, a chunk per atomic write that also deletes the moved
// records (so a crash midway leaves a store that the next open finishes).
// Returns how many records moved.
absl::StatusOr<int64_t> MoveTimelineIntoLog(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* timeline, const Families& cf,
    EventLogPositions* positions);

}  // namespace kaiku::storage

#endif  // KAIKU_LIB_STORAGE_ROCKSDB_EVENT_LOG_H_
