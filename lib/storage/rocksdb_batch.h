// The WriteBatch of the RocksDB store (rocksdb_store.cc): the column families
// it writes to and the batch that buffers a write group's entries. Internal to
// lib/storage.
#ifndef KAIKU_LIB_STORAGE_ROCKSDB_BATCH_H_
#define KAIKU_LIB_STORAGE_ROCKSDB_BATCH_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/util/time_util.h"
#include "kaiku/v1/event.pb.h"
#include "kaiku/v1/scores.pb.h"
#include "lib/common/clock.h"
#include "lib/storage/key_codec.h"
#include "lib/storage/store.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace kaiku::storage {

inline int64_t EventTimeMicros(const kaiku::v1::Event& event) {
  return google::protobuf::util::TimeUtil::TimestampToMicroseconds(
      event.occurred_at());
}

// The store's column families (key layouts: key_codec.h).
struct Families {
  rocksdb::ColumnFamilyHandle* events = nullptr;
  rocksdb::ColumnFamilyHandle* event_index = nullptr;
  rocksdb::ColumnFamilyHandle* visitor_state = nullptr;
  rocksdb::ColumnFamilyHandle* leads = nullptr;
  rocksdb::ColumnFamilyHandle* scorelog = nullptr;
  rocksdb::ColumnFamilyHandle* consumers = nullptr;
  rocksdb::ColumnFamilyHandle* journal = nullptr;
};

class EventLogPositions;

// Entries are buffered and written into the WriteBatch sorted by column family
// and key (SealInto), so the memtable's skip list can reuse the previous
// insert's position when keys are adjacent. A write group's keys belong to
// unrelated visitors and are rarely adjacent: the measured gain is small
// (docs/benchmark.md).
class RocksBatch : public StoreBatch {
 public:
  // `positions` hands out the event log keys; it must outlive the batch.
  RocksBatch(const Families& cf, EventLogPositions* positions,
             const Clock* clock)
      : families_{cf.events, cf.event_index, cf.visitor_state, cf.leads,
                  cf.journal},
        positions_(positions),
        clock_(clock) {}

  void PutEvent(absl::string_view tenant, const kaiku::v1::Event& event,
                int64_t received_at_micros) override;
  void PutVisitorState(absl::string_view tenant, absl::string_view visitor_id,
                       int64_t last_event_micros,
                       absl::string_view state) override {
    Add(kVisitorState, VisitorKey(tenant, visitor_id),
        VisitorStateValue(last_event_micros, state));
  }
  void SetLead(absl::string_view tenant, absl::string_view visitor_id,
               bool lead) override {
    Entry& e = Add(kLeads, VisitorKey(tenant, visitor_id), "");
    e.is_delete = !lead;
  }
  void AppendScoreEvent(absl::string_view tenant,
                        const kaiku::v1::ScoreEvent& event) override;
  void PutJournalRecord(uint32_t shard, uint64_t sequence,
                        absl::string_view record) override {
    Add(kJournal, JournalRecordKey(shard, sequence), record);
  }
  void TrimJournal(uint32_t shard, uint64_t first_kept) override {
    trims_.emplace_back(JournalRecordKey(shard, 0),
                        JournalRecordKey(shard, first_kept));
  }
  void PutJournalModel(uint32_t fingerprint, absl::string_view model) override {
    Add(kJournal, JournalModelKey(fingerprint), model);
  }
  int size() const override { return size_; }
  // The bytes of its keys and values, roughly.
  size_t ApproximateBytes() const {
    size_t bytes = buffer_.size();
    for (const ScoreLogAppend& e : score_events_) bytes += e.record.size();
    return bytes;
  }
  bool empty() const override {
    return entries_.empty() && score_events_.empty() && trims_.empty();
  }

  // Appends every entry so far to `out`, in (column family, key) order; later
  // entries for the same key stay after earlier ones. Call once, after the
  // last entry. Score-log entries are not in it: they get their keys at
  // Commit.
  void SealInto(rocksdb::WriteBatch* out);
  // The batch's own WriteBatch, for a commit that seals into it.
  rocksdb::WriteBatch* write_batch() { return &batch_; }
  // Per family, in the order events, event_index, visitor_state, leads,
  // journal: the entries in the sealed batch, and their key and value bytes.
  const std::array<int64_t, 5>& sealed_keys() const { return sealed_keys_; }
  const std::array<int64_t, 5>& sealed_bytes() const { return sealed_bytes_; }
  // A score-log entry: its tenant, its record (ScoreLogRecord) and where in
  // the record the serialized ScoreEvent is.
  struct ScoreLogAppend {
    std::string tenant;
    std::string record;
    uint32_t event_begin;
    uint32_t event_size;
    absl::string_view event() const {
      return absl::string_view(record).substr(event_begin, event_size);
    }
  };
  // In append order; keyed at Commit.
  const std::vector<ScoreLogAppend>& score_events() const {
    return score_events_;
  }

 private:
  enum Family : uint8_t {
    kEvents,
    kEventIndex,
    kVisitorState,
    kLeads,
    kJournal
  };
  // Key and value are ranges of buffer_.
  struct Entry {
    uint32_t key_begin;
    uint32_t value_begin;
    uint32_t value_end;
    Family family;
    bool is_delete;
  };

  static rocksdb::Slice Slice(absl::string_view s) {
    return rocksdb::Slice(s.data(), s.size());
  }
  absl::string_view Key(const Entry& e) const {
    return absl::string_view(buffer_).substr(e.key_begin,
                                             e.value_begin - e.key_begin);
  }
  absl::string_view Value(const Entry& e) const {
    return absl::string_view(buffer_).substr(e.value_begin,
                                             e.value_end - e.value_begin);
  }
  Entry& Begin(Family family) {
    entries_.push_back(
        Entry{static_cast<uint32_t>(buffer_.size()), 0, 0, family, false});
    return entries_.back();
  }
  void EndKey(Entry& e) {
    e.value_begin = static_cast<uint32_t>(buffer_.size());
  }
  void EndValue(Entry& e) {
    e.value_end = static_cast<uint32_t>(buffer_.size());
  }
  Entry& Add(Family family, absl::string_view key, absl::string_view value) {
    Entry& e = Begin(family);
    buffer_.append(key.data(), key.size());
    EndKey(e);
    buffer_.append(value.data(), value.size());
    EndValue(e);
    return e;
  }

  const std::array<rocksdb::ColumnFamilyHandle*, 5> families_;
  EventLogPositions* const positions_;
  const Clock* const clock_;
  std::vector<ScoreLogAppend> score_events_;
  // Journal ranges [begin, end) to delete.
  std::vector<std::pair<std::string, std::string>> trims_;
  std::string buffer_;
  std::vector<Entry> entries_;
  rocksdb::WriteBatch batch_;
  std::array<int64_t, 5> sealed_keys_{};
  std::array<int64_t, 5> sealed_bytes_{};
  int size_ = 0;
};

}  // namespace kaiku::storage

#endif  // KAIKU_LIB_STORAGE_ROCKSDB_BATCH_H_
