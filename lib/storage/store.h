// Kaiku's durable store, in RocksDB: per-visitor event timelines, visitor
// scoring state, the leads index and the per-tenant score log.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(options));
//   std::unique_ptr<StoreBatch> batch = store->NewBatch();
//   batch->PutEvent("acme", event, received_at_micros);
//   RETURN_IF_ERROR(store->Commit(batch.get(), /*sync=*/false));
//
// Commit is atomic: all of a batch is stored or none of it — events, the states
// they changed and the score events they caused. Once Commit returns
// OK the batch is in the write-ahead log (survives a crash of the process);
// with sync=true the log is also synced to disk (survives power loss).
// Concurrent commits are written as one group, with one write (and one sync).
//
// Errors: storage failures come back as UNAVAILABLE (retryable: disk full, I/O
// error, read-only directory) or DATA_LOSS (corruption).
//
// Thread safety: every method may be called from any thread concurrently.
#ifndef KAIKU_LIB_STORAGE_STORE_H_
#define KAIKU_LIB_STORAGE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kaiku/v1/event.pb.h"
#include "kaiku/v1/scores.pb.h"
#include "lib/common/clock.h"

namespace kaiku::storage {

struct StoreOptions {
  // Directory of the RocksDB database. Required.
  std::string path;
  // RocksDB block cache. Default: 256 MiB.
  int64_t block_cache_bytes = int64_t{256} << 20;
  // Memtable size per column family. Default: 64 MiB.
  int64_t write_buffer_bytes = int64_t{64} << 20;
  // Timeline entries whose event time is older than this are removed by
  // compaction. Default: 90 days.
  absl::Duration retention = absl::Hours(24 * 90);
  // Every file is recompacted at least this often, so expired data is
  // physically removed within about retention + this even where no new
  // writes compact it. Each recompaction rewrites the file's live data: over a
  // retention period that is retention / this rewrites of every byte. Zero: a
  // quarter of the retention (4 rewrites; expired data gone within 1.25 ×
  // retention). Default: zero.
  absl::Duration periodic_compaction = absl::ZeroDuration();
  // How far after their arrival events may be dated (the ingest validation's
  // limit, lib/events): the event log keeps each event this much longer than
  // the retention, so that it outlives its index entry, which expires by
  // event time. Default: 5 minutes.
  absl::Duration max_future_skew = absl::Minutes(5);
  // Clock for expiry. Must outlive the store. Default: the real clock.
  const Clock* clock = Clock::Real();
  // Opens an existing store for reading only (RocksDB OpenForReadOnly): no
  // lock is taken and nothing is written or compacted; Commit and the other
  // writes fail. For offline tools reading a checkpoint. Default: false.
  bool read_only = false;
};

// Figures for monitoring, read at the moment of the call. The totals count
// since the store was opened.
struct StoreStats {
  int64_t write_stall_micros = 0;
  int64_t compaction_read_bytes = 0;
  int64_t compaction_written_bytes = 0;
  int64_t flush_written_bytes = 0;
  int64_t wal_syncs = 0;
  int64_t wal_written_bytes = 0;
  // Bytes the application wrote (keys and values): the denominator of write
  // amplification.
  int64_t user_written_bytes = 0;
  // Compaction work RocksDB estimates it is behind by.
  int64_t pending_compaction_bytes = 0;
  // Whether writes are stopped now (too many L0 files or memtables).
  bool write_stopped = false;
  struct ColumnFamily {
    std::string name;
    int64_t memtable_bytes = 0;
    int64_t sst_bytes = 0;
    // Totals: keys put or deleted, and their key and value bytes.
    int64_t written_keys = 0;
    int64_t written_bytes = 0;
    // Bytes flushes and compactions wrote to its SST files since the store
    // was opened: with written_bytes, the family's write amplification.
    int64_t sst_written_bytes = 0;
  };
  std::vector<ColumnFamily> column_families;
};

// A position in a visitor's timeline: the events after it come next.
struct TimelinePosition {
  int64_t event_time_micros = 0;
  std::string event_id;
};

struct TimelinePage {
  // In event-time order, ties in event_id order.
  std::vector<kaiku::v1::Event> events;
  // Where the next page starts; empty when the timeline has no more events.
  std::optional<TimelinePosition> next;
};

// One entry of a tenant's score log.
struct ScoreLogEntry {
  // 1, 2, 3, ... per tenant, assigned without gaps and never reused.
  uint64_t sequence = 0;
  kaiku::v1::ScoreEvent event;
  // Server time of the append, Unix microseconds.
  int64_t appended_at_micros = 0;
  // The entry of a forgotten visitor (ForgetVisitor): `event` is empty. Only
  // ReadScoreLogWithErased returns such entries.
  bool erased = false;
};

// One score-log entry as committed, handed to the ScoreLogListener.
struct CommittedScoreEvent {
  absl::string_view tenant;
  uint64_t sequence = 0;
  // The serialized kaiku.v1.ScoreEvent as appended (id and cursor unset).
  absl::string_view event;
};

// Called after each commit that appended to score logs, once its entries are
// as durable as the store's durability mode makes them, with the entries in
// sequence order. Commits are handed over one at a time, in commit order, so
// each tenant's entries arrive in order and without gaps. Runs on the
// committing thread, which holds up the next commit meanwhile: keep it short
// (copy what it needs; the views die when it returns).
using ScoreLogListener =
    std::function<void(const std::vector<CommittedScoreEvent>& entries)>;

// Writes collected for one atomic Commit. Not thread-safe; use one per writer.
class StoreBatch {
 public:
  virtual ~StoreBatch() = default;
  // Adds the event to its visitor's timeline. The event must have passed
  // validation (ids non-empty and short).
  virtual void PutEvent(absl::string_view tenant, const kaiku::v1::Event& event,
                        int64_t received_at_micros) = 0;
  // Replaces the visitor's scoring state (opaque bytes). It expires with the
  // timeline: `last_event_micros` older than the retention.
  virtual void PutVisitorState(absl::string_view tenant,
                               absl::string_view visitor_id,
                               int64_t last_event_micros,
                               absl::string_view state) = 0;
  // Adds the visitor to the tenant's leads index, or removes it.
  virtual void SetLead(absl::string_view tenant, absl::string_view visitor_id,
                       bool lead) = 0;
  // Appends to the tenant's score log, stamped with the store clock's time.
  // Commit gives it the tenant's next sequence number: entries of batches
  // committed later get higher numbers.
  virtual void AppendScoreEvent(absl::string_view tenant,
                                const kaiku::v1::ScoreEvent& event) = 0;
  // Appends a record to the ingest journal of `shard` (lib/ingest/journal.h;
  // opaque here). Sequence numbers of a shard only grow.
  virtual void PutJournalRecord(uint32_t shard, uint64_t sequence,
                                absl::string_view record) = 0;
  // Deletes the shard's journal records with sequence < `first_kept`.
  virtual void TrimJournal(uint32_t shard, uint64_t first_kept) = 0;
  // Stores a model that journal records name by fingerprint (a serialized
  // kaiku.config.v1.ScoringModel).
  virtual void PutJournalModel(uint32_t fingerprint,
                               absl::string_view model) = 0;
  // Number of events added.
  virtual int size() const = 0;
  // Whether nothing at all was added.
  virtual bool empty() const = 0;
};

class Store {
 public:
  // Opens (creating if missing) the database at options.path.
  static absl::StatusOr<std::unique_ptr<Store>> Open(
      const StoreOptions& options);

  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  virtual ~Store() = default;

  virtual std::unique_ptr<StoreBatch> NewBatch() = 0;

  // Writes the batch atomically (see the file comment for durability).
  virtual absl::Status Commit(StoreBatch* batch, bool sync) = 0;

  // Whether the event is in its visitor's timeline: the same event_id at the
  // same event time (a retry of a stored event). One point read of the
  // visitor's range.
  virtual absl::StatusOr<bool> ContainsEvent(absl::string_view tenant,
                                             const kaiku::v1::Event& event) = 0;

  // Up to `limit` events of the visitor, after `after` (from the start when
  // null).
  virtual absl::StatusOr<TimelinePage> ReadTimeline(
      absl::string_view tenant, absl::string_view visitor_id,
      const TimelinePosition* after, int limit) = 0;

  // Calls `fn` with the event time (Unix microseconds) of each of the visitor's
  // events, in order, reading keys only.
  virtual absl::Status ForEachEventTime(
      absl::string_view tenant, absl::string_view visitor_id,
      absl::FunctionRef<void(int64_t)> fn) = 0;

  // Calls `fn` once for every visitor of `tenant` that has events, in visitor
  // key order, with the visitor's whole timeline (in timeline order). Reads
  // one visitor at a time; for offline tools (training, evaluation) over a
  // checkpoint, not for the serving path.
  virtual absl::Status ForEachTimeline(
      absl::string_view tenant,
      absl::FunctionRef<void(absl::string_view visitor_id,
                             std::vector<kaiku::v1::Event> timeline)>
          fn) = 0;

  // Every tenant with events, visitor states or a score log, sorted.
  virtual absl::StatusOr<std::vector<std::string>> ListTenants() = 0;

  // Calls `fn` for every stored visitor state of `tenant`, in visitor key
  // order, with the state's bytes (as GetVisitorState returns them). For
  // offline tools, like ForEachTimeline.
  virtual absl::Status ForEachVisitorState(
      absl::string_view tenant,
      absl::FunctionRef<void(absl::string_view visitor_id,
                             absl::string_view state)>
          fn) = 0;

  // Whether every event in the timeline was committed together with its
  // visitor's state, or with a journal record that replays to it
  // (lib/ingest/journal.h) — true for a store created by this version and
  // written only with scoring on — so that a visitor without a state (once
  // the journal is replayed) has no events (and the ingest path need not
  // look). False after NoteEventsWithoutState
  // and for stores created before this was recorded.
  virtual bool EveryEventHasState() = 0;
  // Records durably that events may be stored without states from now on.
  virtual absl::Status NoteEventsWithoutState() = 0;

  // The visitor's scoring state as last put, or nullopt.
  virtual absl::StatusOr<std::optional<std::string>> GetVisitorState(
      absl::string_view tenant, absl::string_view visitor_id) = 0;

  // Calls `fn` for every visitor in the leads index of `tenant` (of every
  // tenant when `tenant` is empty).
  virtual absl::Status ForEachLead(
      absl::string_view tenant,
      absl::FunctionRef<void(absl::string_view tenant,
                             absl::string_view visitor_id)>
          fn) = 0;

  // Up to `limit` score-log entries of the tenant with sequence > `after`, in
  // order, skipping erased entries (so sequence numbers may have gaps).
  virtual absl::StatusOr<std::vector<ScoreLogEntry>> ReadScoreLog(
      absl::string_view tenant, uint64_t after, int limit) = 0;
  // The same, with the erased entries (for audits of the log's numbering).
  virtual absl::StatusOr<std::vector<ScoreLogEntry>> ReadScoreLogWithErased(
      absl::string_view tenant, uint64_t after, int limit) = 0;

  // The tenant's last committed (and, with sync, synced) score-log sequence
  // number; 0 when none.
  virtual uint64_t LastScoreSequence(absl::string_view tenant) = 0;

  // The tenant's first retained score-log sequence number; 0 when the log is
  // empty (LastScoreSequence + 1 is where the next entry goes).
  virtual uint64_t FirstScoreSequence(absl::string_view tenant) = 0;

  // Every tenant that has a score log.
  virtual std::vector<std::string> ScoreLogTenants() = 0;

  // Removes the tenant's entries with sequence < `first_kept` (retention),
  // except the last entry, which always stays (it carries the sequence number
  // across restarts, so numbers are never reused).
  virtual absl::Status TrimScoreLog(absl::string_view tenant,
                                    uint64_t first_kept) = 0;

  // Calls `fn` for every journal record (StoreBatch::PutJournalRecord), in
  // (shard, sequence) order.
  virtual absl::Status ForEachJournalRecord(
      absl::FunctionRef<void(uint32_t shard, uint64_t sequence,
                             absl::string_view record)>
          fn) = 0;
  // The model stored by PutJournalModel under `fingerprint`, or nullopt.
  virtual absl::StatusOr<std::optional<std::string>> GetJournalModel(
      uint32_t fingerprint) = 0;
  // Deletes every journal record and model, in one synced write.
  virtual absl::Status ClearJournal() = 0;

  // Set once, before any commit.
  virtual void SetScoreLogListener(ScoreLogListener listener) = 0;

  // Named consumers' committed positions (the sequence number of the last
  // entry they processed).
  virtual absl::Status PutConsumerCursor(absl::string_view tenant,
                                         absl::string_view consumer,
                                         uint64_t sequence) = 0;
  virtual absl::StatusOr<std::optional<uint64_t>> GetConsumerCursor(
      absl::string_view tenant, absl::string_view consumer) = 0;

  // Erases the visitor in one synced, atomic write: its timeline, its state
  // and lead entry; its score-log entries
  // are overwritten by erased ones (the sequence numbers stay taken). Returns
  // how many events the timeline held. The data is logically gone at once;
  // PurgeErased makes it physically gone. The caller owns the visitor: no
  // write of it may run concurrently (lib/ingest does it on the visitor's
  // worker).
  virtual absl::StatusOr<int64_t> EraseVisitor(
      absl::string_view tenant, absl::string_view visitor_id) = 0;

  // Makes every erasure so far physically gone from the store's files:
  // flushes the memtables (so the write-ahead log files that held the data
  // are deleted), rewrites the files holding the erased key ranges down to
  // the last level (dropping the old values and the deletion markers), and
  // rolls the MANIFEST past those files' key bounds. Takes seconds on a large
  // store; writes go on meanwhile.
  virtual absl::Status PurgeErased() = 0;

  // Removes the event log's files whose records all arrived longer ago than
  // retention + max_future_skew: whole files, nothing newer is rewritten (a
  // file spanning that moment goes on a later call). The events were
  // unreachable already
  // (their index entries expire by event time). Call it periodically
  // (kaikud's maintenance does, with the score log's retention).
  virtual absl::Status DropExpiredEvents() = 0;

  // Flushes memtables to SST files (used at shutdown, so a restart replays
  // little WAL).
  virtual absl::Status Flush() = 0;

  virtual StoreStats Stats() = 0;

  // Writes a consistent online copy of the whole store into `dir`, which must
  // not exist (its parent must): a RocksDB checkpoint, with SST files
  // hard-linked when `dir` is on the same filesystem. Writes go on meanwhile.
  // To restore, open the copy as a store (StoreOptions::path).
  virtual absl::Status Checkpoint(const std::string& dir) = 0;
};

// Forwards every call to another store; tests derive from it to inject one
// fault (the leveldb EnvWrapper pattern).
class StoreWrapper : public Store {
 public:
  // `target` must outlive the wrapper.
  explicit StoreWrapper(Store* target) : target_(target) {}

  std::unique_ptr<StoreBatch> NewBatch() override {
    return target_->NewBatch();
  }
  absl::Status Commit(StoreBatch* batch, bool sync) override {
    return target_->Commit(batch, sync);
  }
  absl::StatusOr<bool> ContainsEvent(absl::string_view tenant,
                                     const kaiku::v1::Event& event) override {
    return target_->ContainsEvent(tenant, event);
  }
  absl::StatusOr<TimelinePage> ReadTimeline(absl::string_view tenant,
                                            absl::string_view visitor_id,
                                            const TimelinePosition* after,
                                            int limit) override {
    return target_->ReadTimeline(tenant, visitor_id, after, limit);
  }
  absl::Status ForEachEventTime(absl::string_view tenant,
                                absl::string_view visitor_id,
                                absl::FunctionRef<void(int64_t)> fn) override {
    return target_->ForEachEventTime(tenant, visitor_id, fn);
  }
  absl::Status ForEachTimeline(
      absl::string_view tenant,
      absl::FunctionRef<void(absl::string_view, std::vector<kaiku::v1::Event>)>
          fn) override {
    return target_->ForEachTimeline(tenant, fn);
  }
  absl::StatusOr<std::optional<std::string>> GetVisitorState(
      absl::string_view tenant, absl::string_view visitor_id) override {
    return target_->GetVisitorState(tenant, visitor_id);
  }
  absl::StatusOr<std::vector<std::string>> ListTenants() override {
    return target_->ListTenants();
  }
  absl::Status ForEachVisitorState(
      absl::string_view tenant,
      absl::FunctionRef<void(absl::string_view, absl::string_view)> fn)
      override {
    return target_->ForEachVisitorState(tenant, fn);
  }
  absl::Status ForEachLead(
      absl::string_view tenant,
      absl::FunctionRef<void(absl::string_view, absl::string_view)> fn)
      override {
    return target_->ForEachLead(tenant, fn);
  }
  absl::StatusOr<std::vector<ScoreLogEntry>> ReadScoreLog(
      absl::string_view tenant, uint64_t after, int limit) override {
    return target_->ReadScoreLog(tenant, after, limit);
  }
  absl::StatusOr<std::vector<ScoreLogEntry>> ReadScoreLogWithErased(
      absl::string_view tenant, uint64_t after, int limit) override {
    return target_->ReadScoreLogWithErased(tenant, after, limit);
  }
  uint64_t LastScoreSequence(absl::string_view tenant) override {
    return target_->LastScoreSequence(tenant);
  }
  uint64_t FirstScoreSequence(absl::string_view tenant) override {
    return target_->FirstScoreSequence(tenant);
  }
  std::vector<std::string> ScoreLogTenants() override {
    return target_->ScoreLogTenants();
  }
  absl::Status TrimScoreLog(absl::string_view tenant,
                            uint64_t first_kept) override {
    return target_->TrimScoreLog(tenant, first_kept);
  }
  absl::Status ForEachJournalRecord(
      absl::FunctionRef<void(uint32_t, uint64_t, absl::string_view)> fn)
      override {
    return target_->ForEachJournalRecord(fn);
  }
  absl::StatusOr<std::optional<std::string>> GetJournalModel(
      uint32_t fingerprint) override {
    return target_->GetJournalModel(fingerprint);
  }
  absl::Status ClearJournal() override { return target_->ClearJournal(); }
  void SetScoreLogListener(ScoreLogListener listener) override {
    target_->SetScoreLogListener(std::move(listener));
  }
  absl::Status PutConsumerCursor(absl::string_view tenant,
                                 absl::string_view consumer,
                                 uint64_t sequence) override {
    return target_->PutConsumerCursor(tenant, consumer, sequence);
  }
  absl::StatusOr<std::optional<uint64_t>> GetConsumerCursor(
      absl::string_view tenant, absl::string_view consumer) override {
    return target_->GetConsumerCursor(tenant, consumer);
  }
  absl::StatusOr<int64_t> EraseVisitor(absl::string_view tenant,
                                       absl::string_view visitor_id) override {
    return target_->EraseVisitor(tenant, visitor_id);
  }
  absl::Status PurgeErased() override { return target_->PurgeErased(); }
  absl::Status Flush() override { return target_->Flush(); }
  StoreStats Stats() override { return target_->Stats(); }
  absl::Status DropExpiredEvents() override {
    return target_->DropExpiredEvents();
  }
  absl::Status Checkpoint(const std::string& dir) override {
    return target_->Checkpoint(dir);
  }
  bool EveryEventHasState() override { return target_->EveryEventHasState(); }
  absl::Status NoteEventsWithoutState() override {
    return target_->NoteEventsWithoutState();
  }

 private:
  Store* const target_;
};

}  // namespace kaiku::storage

#endif  // KAIKU_LIB_STORAGE_STORE_H_
