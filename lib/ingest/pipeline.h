// The ingest pipeline: validated events in, durable timeline entries out.
//
// Visitors are sharded by hash of (tenant, visitor_id) across `shards`
// single-writer workers. Each worker owns its visitors: it drains its queue,
// finds which events are new (an event_id repeated in the group is a
// duplicate of its first; an event later than its visitor's last stored one
// is new — the visitor's state knows that time; an earlier one, late or a
// retry, is looked up in the visitor's timeline), puts the new events into
// one WriteBatch and commits it — one group commit for every request it
// drained. A request's `done` runs once every
// worker holding a part of it has committed that part.
//
//   caller thread ── Submit ──> [shard queue 0] ── worker 0 ── WriteBatch ──>
//   RocksDB
//                          └──> [shard queue 1] ── worker 1 ── WriteBatch ──┘
//
// Backpressure: at most `max_queued_events` events are queued or being written
// over all shards; a Submit that would exceed it fails with RESOURCE_EXHAUSTED,
// before anything of it is queued. Submit never blocks on I/O.
//
// Ordering and single writer: all events of one visitor go through the same
// worker, in submission order, and so do its erasure (SubmitErase), its decay
// wake-ups and its recomputations after a model reload: per-visitor work needs
// no locks, and nothing changes a visitor behind its worker's back.
//
// Scoring (when `model` is set): each worker scores the visitors of its write
// group (lib/ingest/visitor_scoring.h) and commits their leads-index changes,
// score events and journal record in the same WriteBatch as the events; the
// states themselves are written behind (lib/ingest/journal.h). Between
// groups it wakes visitors whose level changes by decay, at the moment it
// changes (by `clock`). The pipeline starts by replaying what the store's
// journal holds (RecoverFromJournal: a crash's unwritten states); Stop writes
// every state, so the journal is empty again after.
//
// Thread safety: Submit and Stop may be called from any thread.
#ifndef KAIKU_LIB_INGEST_PIPELINE_H_
#define KAIKU_LIB_INGEST_PIPELINE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kaiku/v1/event.pb.h"
#include "lib/common/clock.h"
#include "lib/ingest/visitor_scoring.h"
#include "lib/scoring/current_model.h"
#include "lib/scoring/page_values.h"
#include "lib/storage/store.h"

namespace kaiku::ingest {

struct PipelineOptions {
  // Number of single-writer workers. Clamped to 1..64. Default: 2.
  int shards = 2;
  // Most events queued or in a write over all shards. Default: 200000.
  int max_queued_events = 200000;
  // Most events one worker puts into one WriteBatch. Default: 8192.
  int max_batch_events = 8192;
  // Sync the write-ahead log on every commit (durability=fsync). Default:
  // false.
  bool sync = false;
  // Arrival time stamps. Must outlive the pipeline. Default: the real clock.
  const Clock* clock = Clock::Real();
  // The scoring model; null: events are stored without scoring. Must outlive
  // the pipeline. Default: null.
  const scoring::CurrentModel* model = nullptr;
  // Learns page values from the stored events and stamps each new page view
  // with its page's value (PageView.page_value); null: page views are stored
  // with no value. Must outlive the pipeline. Default: null.
  scoring::PageValues* page_values = nullptr;
  // Memory for cached visitor states, over all shards. Default: 256 MiB.
  int64_t state_cache_bytes = int64_t{256} << 20;
  // How long a changed visitor state may stay unwritten (journaled);
  // zero: written with the group that changed it. Default: 60 s.
  absl::Duration state_write_delay = absl::Seconds(60);
  // Most quiet visitors one worker wakes per write group. Default: 2000.
  int max_wakeups_per_group = 2000;
  // Called (from a worker thread) after each commit that stored score events,
  // with what they said; e.g. for metrics. Default: none.
  std::function<void(const ScoreEventTally&)> on_score_events;
  // Called (from a worker thread) with every failed storage read or commit,
  // before the affected requests complete; e.g. to turn health to NOT_SERVING.
  // Default: none.
  std::function<void(const absl::Status&)> on_storage_error;
};

// What happened to one submitted event.
enum class StoreOutcome : uint8_t {
  kStored = 0,
  // Its event_id was already stored (or appeared earlier in the same request).
  kDuplicate = 1,
};

class IngestPipeline {
 public:
  // Called exactly once per accepted Submit, from a worker thread (or from
  // Submit itself for an empty request). With an OK status, `outcomes[i]` is
  // the outcome of events[i] and every event is durable; otherwise nothing may
  // be reported as stored (some events may have been stored; a retry finds them
  // as duplicates).
  using Done = absl::AnyInvocable<void(absl::Status status,
                                       std::vector<StoreOutcome> outcomes) &&>;

  // Starts the workers. `store` must outlive the pipeline.
  IngestPipeline(storage::Store* store, const PipelineOptions& options);
  IngestPipeline(const IngestPipeline&) = delete;
  IngestPipeline& operator=(const IngestPipeline&) = delete;
  // Stops (see Stop).
  ~IngestPipeline();

  // Queues valid events of one tenant. The events (and `tenant`'s bytes are
  // copied) must stay valid until `done` has run. Errors (then `done` is never
  // called): RESOURCE_EXHAUSTED when the queues are full, UNAVAILABLE after
  // Stop.
  absl::Status Submit(absl::string_view tenant,
                      std::vector<const kaiku::v1::Event*> events, Done done);

  // Called once with the number of events erased, or the error (then nothing
  // may have been erased, or all of it: a retry is safe). Runs on the
  // visitor's worker: keep it short.
  using EraseDone = absl::AnyInvocable<void(absl::StatusOr<int64_t>) &&>;

  // Erases a visitor (Store::EraseVisitor) on the worker that owns it, in
  // order with its events: the events of every Submit that returned before
  // this call are erased with it (they are written first, then erased), and
  // the events of every Submit called after `done` start from an empty
  // state. A Submit running concurrently with this call falls on one side or
  // the other, whole. The worker's cached state and wake-up of the visitor go
  // with it. Errors (then `done` is never called): UNAVAILABLE after Stop.
  absl::Status SubmitErase(absl::string_view tenant,
                           absl::string_view visitor_id, EraseDone done);

  // Refuses new work, writes everything already queued, joins the workers.
  // Idempotent.
  void Stop();

  // Events queued or being written now.
  int64_t queued_events() const {
    return queued_events_.load(std::memory_order_relaxed);
  }

  // Makes every worker look at the clock again (tests advance a FakeClock,
  // then call this so due wake-ups run).
  void WakeUpForTest();

  // Totals over the workers, read while they run (approximate).
  ScoringCounters scoring_counters() const;

  // The visitor's state as its worker has it in memory (possibly newer than
  // the store's), or nullopt when it is not cached.
  std::optional<std::string> CachedState(absl::string_view tenant,
                                         absl::string_view visitor_id) const;

 private:
  struct Request;
  struct Erase;
  struct WorkItem;
  struct Shard;

  void RunWorker(Shard* shard);
  // Writes one drained group of items (possibly none, to run due wake-ups
  // or write states back) and completes them. Writes the dirty states `which`
  // selects, and `also`'s if dirty. Returns the group's status.
  absl::Status WriteGroup(Shard* shard, std::vector<WorkItem>& items,
                          WriteBack which = WriteBack::kDue,
                          const std::string* also = nullptr);
  // Runs one queued erasure.
  void RunErase(Shard* shard, Erase& erase);
  void RestoreTimers();
  static void FinishPart(const std::shared_ptr<Request>& request,
                         const absl::Status& status);

  storage::Store* const store_;
  const PipelineOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<int64_t> queued_events_{0};

  absl::Mutex stop_mu_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;
};

}  // namespace kaiku::ingest

#endif  // KAIKU_LIB_INGEST_PIPELINE_H_
