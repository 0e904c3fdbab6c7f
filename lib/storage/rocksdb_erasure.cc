#include "lib/storage/rocksdb_erasure.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kaiku/storage/v1/records.pb.h"
#include "lib/common/status_macros.h"
#include "lib/storage/key_codec.h"
#include "lib/storage/rocksdb_journal.h"
#include "lib/storage/rocksdb_scan.h"
#include "lib/storage/rocksdb_status.h"

namespace kaiku::storage {

absl::StatusOr<Erasure> EraseVisitorFromDb(rocksdb::DB* db, const Families& cf,
                                           absl::string_view tenant,
                                           absl::string_view visitor_id) {
  Erasure erasure;
  rocksdb::WriteBatch batch;

  const std::string begin = TimelineVisitorPrefix(tenant, visitor_id);
  const std::string end = PrefixSuccessor(begin);
  {
    BoundedScan it(db, cf.event_index, end);
    for (it->Seek(begin); it->Valid(); it->Next()) {
      ++erasure.events;
      // The event's record in the log; the purge rewrites the files that
      // hold it (PurgeRanges widens the one-key range to them).
      std::string log_key(it->value().data(), it->value().size());
      batch.Delete(cf.events, log_key).PermitUncheckedError();
      std::string after = log_key + '\0';
      erasure.ranges.push_back(
          {cf.events, std::move(log_key), std::move(after)});
    }
    RETURN_IF_ERROR(FromRocksStatus(it->status(), "reading a timeline"));
  }
  batch.DeleteRange(cf.event_index, begin, end).PermitUncheckedError();
  erasure.ranges.push_back({cf.event_index, begin, end});

  // The visitor's score events: the tenant's log is scanned (erasure is rare;
  // the log is bounded by its retention).
  uint64_t first = 0, last = 0;
  {
    const std::string log_begin = TenantPrefix(tenant);
    BoundedScan it(db, cf.scorelog, PrefixSuccessor(log_begin));
    kaiku::storage::v1::ScoreLogRecord record;
    for (it->Seek(log_begin); it->Valid(); it->Next()) {
      absl::string_view t;
      uint64_t sequence = 0;
      if (!record.ParseFromArray(it->value().data(),
                                 static_cast<int>(it->value().size())) ||
          record.erased() || record.event().visitor_id() != visitor_id ||
          !DecodeScoreLogKey(View(it->key()), &t, &sequence))
        continue;
      if (first == 0) first = sequence;
      last = sequence;
      kaiku::storage::v1::ScoreLogRecord erased;
      erased.set_appended_at_micros(record.appended_at_micros());
      erased.set_erased(true);
      batch.Put(cf.scorelog, it->key(), erased.SerializeAsString())
          .PermitUncheckedError();
    }
    RETURN_IF_ERROR(FromRocksStatus(it->status(), "reading the score log"));
  }
  if (last != 0) {
    erasure.ranges.push_back({cf.scorelog, ScoreLogKey(tenant, first),
                              ScoreLogKey(tenant, last + 1)});
  }

  // The visitor's entries in the ingest journal (records are small and few:
  // those of the last state_write_delay or so); the purge rewrites all of
  // it, since records trimmed earlier (range deletions) may still be in files.
  if (cf.journal != nullptr) {
    RETURN_IF_ERROR(
        StripVisitorFromJournal(db, cf.journal, tenant, visitor_id, &batch));
    erasure.ranges.push_back({cf.journal, kJournalBegin, kJournalEnd});
  }

  const std::string key = VisitorKey(tenant, visitor_id);
  batch.Delete(cf.visitor_state, key).PermitUncheckedError();
  batch.Delete(cf.leads, key).PermitUncheckedError();
  erasure.ranges.push_back({cf.visitor_state, key, PrefixSuccessor(key)});
  erasure.ranges.push_back({cf.leads, key, PrefixSuccessor(key)});

  rocksdb::WriteOptions wo;
  wo.sync = true;
  RETURN_IF_ERROR(FromRocksStatus(db->Write(wo, &batch), "erasing a visitor"));
  return erasure;
}

namespace {

// The key ranges of the files that overlap `ranges`, merged per column family
// where they overlap: compacting them rewrites every file holding erased data
// once, however many erased keys (a visitor's events, spread over the log)
// it holds. Ranges no file overlaps any more are left out.
std::vector<ErasedRange> FileRanges(rocksdb::DB* db,
                                    const std::vector<ErasedRange>& ranges) {
  std::vector<rocksdb::LiveFileMetaData> files;
  db->GetLiveFilesMetaData(&files);
  std::vector<ErasedRange> wide;
  for (const rocksdb::LiveFileMetaData& f : files) {
    for (const ErasedRange& r : ranges) {
      if (r.cf->GetName() != f.column_family_name) continue;
      // File [smallest, largest] meets [begin, end)?
      if (f.largestkey < r.begin || (!r.end.empty() && f.smallestkey >= r.end))
        continue;
      wide.push_back({r.cf, f.smallestkey, f.largestkey + '\0'});
      break;
    }
  }
  std::sort(wide.begin(), wide.end(),
            [](const ErasedRange& a, const ErasedRange& b) {
              if (a.cf->GetID() != b.cf->GetID())
                return a.cf->GetID() < b.cf->GetID();
              return a.begin < b.begin;
            });
  std::vector<ErasedRange> merged;
  for (ErasedRange& r : wide) {
    if (!merged.empty() && merged.back().cf == r.cf &&
        r.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, r.end);
    } else {
      merged.push_back(std::move(r));
    }
  }
  return merged;
}

}  // namespace

absl::Status PurgeRanges(rocksdb::DB* db,
                         const std::vector<rocksdb::ColumnFamilyHandle*>& all,
                         const std::vector<ErasedRange>& ranges,
                         rocksdb::ColumnFamilyHandle* marker_cf) {
  // Memtables to files: the write-ahead log files that logged the erased data
  // (and the erasure's deletion markers) become obsolete and are deleted.
  rocksdb::FlushOptions fo;
  RETURN_IF_ERROR(
      FromRocksStatus(db->Flush(fo, all), "flushing before a purge"));
  // Every file overlapping an erased range is rewritten down to the last
  // level, where the deletion markers are dropped with what they deleted.
  rocksdb::CompactRangeOptions cro;
  cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (const ErasedRange& range : FileRanges(db, ranges)) {
    const rocksdb::Slice begin(range.begin), end(range.end);
    RETURN_IF_ERROR(FromRocksStatus(
        db->CompactRange(cro, range.cf, &begin, &end), "purging erased data"));
  }
  // The compactions' MANIFEST records still name the removed files' key
  // bounds; one more version change starts a MANIFEST that lists only the
  // current files, and the old one is deleted.
  rocksdb::WriteOptions wo;
  wo.sync = true;
  RETURN_IF_ERROR(FromRocksStatus(
      db->Put(wo, marker_cf, "kaiku.last_purge",
              absl::StrCat(static_cast<int64_t>(ranges.size()))),
      "purging erased data"));
  return FromRocksStatus(db->Flush(fo, marker_cf), "purging erased data");
}

}  // namespace kaiku::storage
