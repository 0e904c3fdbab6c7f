#include "lib/storage/rocksdb_event_log.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "kaiku/storage/v1/records.pb.h"
#include "lib/common/status_macros.h"
#include "lib/storage/key_codec.h"
#include "lib/storage/rocksdb_scan.h"
#include "lib/storage/rocksdb_status.h"
#include "rocksdb/convenience.h"
#include "rocksdb/write_batch.h"

namespace kaiku::storage {

absl::Status EventLogPositions::Start(rocksdb::DB* db,
                                      rocksdb::ColumnFamilyHandle* events) {
  std::unique_ptr<rocksdb::Iterator> it(
      db->NewIterator(rocksdb::ReadOptions(), events));
  it->SeekToLast();
  RETURN_IF_ERROR(FromRocksStatus(it->status(), "reading the event log"));
  if (!it->Valid()) return absl::OkStatus();
  int64_t time;
  uint64_t sequence;
  if (!DecodeEventLogKey(View(it->key()), &time, &sequence))
    return absl::DataLossError("malformed event log key");
  time_.store(time);
  sequence_.store(sequence);
  return absl::OkStatus();
}

void EventLogPositions::Next(int64_t arrival_micros, std::string* out) {
  int64_t time = time_.load(std::memory_order_relaxed);
  while (arrival_micros > time &&
         !time_.compare_exchange_weak(time, arrival_micros,
                                      std::memory_order_relaxed)) {
  }
  AppendEventLogKey(std::max(time, arrival_micros),
                    sequence_.fetch_add(1, std::memory_order_relaxed) + 1, out);
}

absl::Status ReadLoggedEvents(rocksdb::DB* db,
                              rocksdb::ColumnFamilyHandle* events,
                              const std::vector<std::string>& keys,
                              absl::string_view visitor_id,
                              std::vector<kaiku::v1::Event>* out) {
  if (keys.empty()) return absl::OkStatus();
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db->MultiGet(rocksdb::ReadOptions(), events, keys.size(), slices.data(),
               values.data(), statuses.data());
  kaiku::storage::v1::TimelineRecord record;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    RETURN_IF_ERROR(FromRocksStatus(statuses[i], "reading the event log"));
    if (!record.ParseFromArray(values[i].data(),
                               static_cast<int>(values[i].size()))) {
      return absl::DataLossError(
          absl::StrCat("unreadable event log record of visitor ", visitor_id));
    }
    out->push_back(std::move(*record.mutable_event()));
  }
  return absl::OkStatus();
}

absl::Status DropLogFilesBefore(rocksdb::DB* db,
                                rocksdb::ColumnFamilyHandle* events,
                                int64_t cutoff_micros) {
  const std::string end = EventLogKey(cutoff_micros, 0);
  const rocksdb::Slice end_slice(end);
  RETURN_IF_ERROR(FromRocksStatus(
      rocksdb::DeleteFilesInRange(db, events, nullptr, &end_slice,
                                  /*include_end=*/false),
      "dropping expired event log files"));
  // DeleteFilesInRange leaves level-0 files alone (and files being
  // compacted): those wholly before the cutoff are compacted away, their
  // entries dropped by the log's compaction filter. A file that spans the
  // cutoff is not rewritten; it goes once all of it has expired.
  std::vector<rocksdb::LiveFileMetaData> files;
  db->GetLiveFilesMetaData(&files);
  std::string last_expired;
  for (const rocksdb::LiveFileMetaData& f : files) {
    if (f.column_family_name == events->GetName() && f.largestkey < end &&
        f.largestkey > last_expired)
      last_expired = f.largestkey;
  }
  if (last_expired.empty()) return absl::OkStatus();
  const rocksdb::Slice last_slice(last_expired);
  rocksdb::CompactRangeOptions cro;
  cro.exclusive_manual_compaction = false;
  return FromRocksStatus(db->CompactRange(cro, events, nullptr, &last_slice),
                         "compacting expired event log files");
}

absl::StatusOr<int64_t> MoveTimelineIntoLog(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* timeline, const Families& cf,
    EventLogPositions* positions) {
  constexpr int kChunk = 10000;
  int64_t moved = 0;
  kaiku::storage::v1::TimelineRecord record;
  // Each chunk starts after the last key of the one before (not at the first
  // key, where the deletions of the moved records pile up).
  std::string resume;
  for (bool more = true; more;) {
    rocksdb::WriteBatch batch;
    int n = 0;
    {
      BoundedScan it(db, timeline, "");
      for (it->Seek(resume); it->Valid() && n < kChunk; it->Next(), ++n) {
        TimelineKeyParts parts;
        if (!DecodeTimelineKey(View(it->key()), &parts) ||
            !record.ParseFromArray(it->value().data(),
                                   static_cast<int>(it->value().size()))) {
          return absl::DataLossError(
              "malformed timeline entry in a store of the earlier layout");
        }
        std::string log_key;
        positions->Next(record.received_at_micros(), &log_key);
        batch.Put(cf.events, log_key, it->value()).PermitUncheckedError();
        batch.Put(cf.event_index, it->key(), log_key).PermitUncheckedError();
        batch.Delete(timeline, it->key()).PermitUncheckedError();
        resume.assign(it->key().data(), it->key().size());
        resume.push_back('\0');
      }
      RETURN_IF_ERROR(FromRocksStatus(it->status(), "reading old timelines"));
      more = it->Valid();
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;
    RETURN_IF_ERROR(FromRocksStatus(db->Write(wo, &batch),
                                    "moving old timelines into the event log"));
    moved += n;
  }
  return moved;
}

}  // namespace kaiku::storage
