// Scoring inside an ingest worker: brings the states of the visitors in a write
// group up to date, puts the leads-index changes and score events into the
// group's WriteBatch, and wakes quiet visitors whose level changes by decay.
//
// Visitor states are written behind (lib/ingest/journal.h): a changed state
// stays in the worker's cache, dirty, and the group's journal record says how
// it changed; EndGroup writes the states that have been dirty for
// `write_delay` (or that the cache needs room for), so an active visitor's
// state is written once per delay rather than once per event.
//
//   VisitorScoring::Pending pending;
//   scoring.Begin(now, &pending);
//   RETURN_IF_ERROR(scoring.FindNew(..., pending, &loaded));
//   RETURN_IF_ERROR(scoring.ScoreEvents(tenant, visitor, loaded, events,
//                                       batch, &pending));
//   RETURN_IF_ERROR(scoring.RunDueTimers(max, batch, &pending));
//   scoring.EndGroup(WriteBack::kDue, batch, &pending);
//   status = store->Commit(batch);
//   status.ok() ? scoring.Committed(pending) : scoring.Failed(pending);
//
// The cache and the timers change only when the batch is committed, so a
// failed write leaves nothing in memory that the store and journal do not
// hold.
//
// Thread safety: none, except CachedState; each ingest worker owns one.
#ifndef KAIKU_LIB_INGEST_VISITOR_SCORING_H_
#define KAIKU_LIB_INGEST_VISITOR_SCORING_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "kaiku/storage/v1/records.pb.h"
#include "kaiku/v1/event.pb.h"
#include "lib/ingest/state_cache.h"
#include "lib/ingest/stored_visitor.h"
#include "lib/ingest/timer_queue.h"
#include "lib/ingest/visitor_step.h"
#include "lib/scoring/current_model.h"
#include "lib/storage/store.h"

namespace kaiku::ingest {

// What one worker's scoring did, for metrics and tests.
struct ScoringCounters {
  int64_t score_events = 0;
  int64_t recomputations = 0;
  int64_t timer_wakeups = 0;
  // States looked up: found in the cache (or the write group), read from the
  // store, or not stored (a new visitor).
  int64_t states_cached = 0;
  int64_t states_read = 0;
  int64_t states_new = 0;
  // States written to the store (written behind).
  int64_t states_written = 0;
  // Now, not totals: states in the cache (and of them, not yet written) and
  // the bytes charged for them.
  int64_t cached_visitors = 0;
  int64_t dirty_visitors = 0;
  int64_t cached_bytes = 0;
};

// What the score events of one write group said, for metrics.
struct ScoreEventTally {
  int64_t total = 0;
  std::array<int64_t, kaiku::v1::ScoreEventKind_ARRAYSIZE> by_kind{};
  // [previous level][new level] of level changes.
  std::array<std::array<int64_t, kaiku::v1::Level_ARRAYSIZE>,
             kaiku::v1::Level_ARRAYSIZE>
      transitions{};
  // Fired triggers by name.
  absl::flat_hash_map<std::string, int64_t> triggers;

  void Add(const kaiku::v1::ScoreEvent& event);
};

// Which dirty states EndGroup writes.
enum class WriteBack {
  // Those dirty for the write delay, and the oldest while the cache is over
  // its bound.
  kDue,
  // All (shutdown).
  kAll,
};

class VisitorScoring {
 public:
  // Changes of one write group, applied when it is committed.
  struct Pending {
    struct Visitor {
      std::string stored;  // EncodeStoredVisitor
      int64_t last_event = 0;
      std::optional<int64_t> wake;
      // Written to the store in this group (else dirty after it).
      bool written = false;
    };
    // By visitor key.
    absl::flat_hash_map<std::string, Visitor> visitors;
    // Timers taken off the queue for this group; put back if it fails.
    std::vector<std::string> woken;
    int64_t now = 0;
    std::shared_ptr<const scoring::Model> model;
    // What the group did, in order, for its journal record: each visitor's
    // key and its entry (tenant and visitor id filled in by EndGroup, for the
    // entries it keeps).
    struct Step {
      std::string key;
      kaiku::storage::v1::JournalEntry entry;
    };
    std::vector<Step> steps;
    // Visitors EndGroup must write if dirty, beyond those due.
    std::vector<std::string> write_also;
    // Visitors dirty before the group whose state it writes.
    std::vector<std::string> cleaned;
    // Journal sequence number of the group's record; 0: none written.
    uint64_t sequence = 0;
    // The journal is trimmed below this with the group; 0: not trimmed.
    uint64_t trimmed_to = 0;
    bool model_journaled = false;
    ScoreEventTally tally;
    int64_t recomputations = 0;
    int64_t timer_wakeups = 0;
  };

  // A visitor's state as FindNew loaded it, for ScoreEvents.
  struct Loaded {
    std::string key;  // storage::VisitorKey
    std::optional<StoredVisitor> visitor;
    bool unreadable = false;
  };

  // `store` and `model` must outlive this. `shard` names this worker's
  // journal; states are written behind by up to `write_delay` (0: each in
  // the group that changed it, no journal).
  VisitorScoring(storage::Store* store, const scoring::CurrentModel* model,
                 size_t cache_bytes, uint32_t shard,
                 absl::Duration write_delay);

  // Starts a write group at `now`, with the model of the moment.
  void Begin(int64_t now, Pending* pending) const;

  // Which of a visitor's events (none repeated) are not stored yet, in their
  // order: one later than the visitor's last stored event is new (its state
  // knows that time: no read); an earlier one is looked up in the visitor's
  // timeline (Store::ContainsEvent). Sets `*loaded` to the visitor's state,
  // for ScoreEvents.
  absl::StatusOr<std::vector<bool>> FindNew(
      absl::string_view tenant, absl::string_view visitor_id,
      absl::Span<const kaiku::v1::Event* const> events, const Pending& pending,
      Loaded* loaded);

  // Folds the new events of one visitor, whose state FindNew loaded in this
  // group.
  absl::Status ScoreEvents(absl::string_view tenant,
                           absl::string_view visitor_id, Loaded loaded,
                           std::vector<const kaiku::v1::Event*> events,
                           storage::StoreBatch* batch, Pending* pending);

  // Publishes what is due by the group's time for up to `max` waiting
  // visitors.
  absl::Status RunDueTimers(size_t max, storage::StoreBatch* batch,
                            Pending* pending);

  // Writes the dirty states `which` selects, and the group's journal record
  // (and trims the journal) when there is one to write.
  void EndGroup(WriteBack which, storage::StoreBatch* batch, Pending* pending);
  // Makes EndGroup write this visitor's state too, if dirty (before an
  // erasure).
  void WriteWithGroup(const std::string& key, Pending* pending);

  // Schedules the wake-up of a visitor found in the leads index at startup.
  absl::Status Restore(absl::string_view tenant, absl::string_view visitor_id,
                       int64_t now);

  // Drops the visitor's cached state and wake-up, after the store erased it.
  void Forget(absl::string_view tenant, absl::string_view visitor_id);

  void Committed(Pending& pending);
  void Failed(Pending& pending);

  // The visitor's state as this worker has it, when cached (the store may
  // hold an older one). May be called from any thread.
  std::optional<std::string> CachedState(const std::string& key) const;

  std::optional<int64_t> NextDue() const { return timers_.NextDue(); }
  const ScoringCounters& counters() const { return counters_; }
  size_t cached_visitors() const { return cache_.size(); }
  size_t dirty_visitors() const { return cache_.dirty_count(); }
  size_t cached_bytes() const { return cache_.charged_bytes(); }

 private:
  // The visitor's latest record: this group's pending one, the cache's, the
  // store's, or nullopt when there is none or it is unreadable (then
  // `*unreadable` is set, when given).
  absl::StatusOr<std::optional<StoredVisitor>> Load(
      const std::string& key, absl::string_view tenant,
      absl::string_view visitor_id, const Pending& pending,
      bool* unreadable = nullptr);
  // Puts a step's leads-index change and score events into the batch and
  // records the new state as pending.
  void Apply(absl::string_view tenant, absl::string_view visitor_id,
             const std::string& key, VisitorStep& step,
             storage::StoreBatch* batch, Pending* pending);
  // Adds a step of the visitor under `key` to the group's journal steps.
  static kaiku::storage::v1::JournalEntry& AddStep(
      kaiku::storage::v1::JournalEntry::Kind kind, const std::string& key,
      Pending* pending);

  storage::Store* const store_;
  const scoring::CurrentModel* const model_;
  const uint32_t shard_;
  const int64_t write_delay_micros_;
  // Guards cache_ against CachedState; the worker takes it to change cache_.
  mutable absl::Mutex cache_mu_;
  StateCache cache_;
  TimerQueue timers_;
  ScoringCounters counters_;
  // The journal: last sequence number written, where it was last trimmed to
  // and when, and the model fingerprints it holds.
  uint64_t journal_sequence_ = 0;
  uint64_t journal_trimmed_to_ = 1;
  int64_t journal_trimmed_at_ = 0;
  absl::flat_hash_set<uint32_t> journaled_models_;
};

}  // namespace kaiku::ingest

#endif  // KAIKU_LIB_INGEST_VISITOR_SCORING_H_
