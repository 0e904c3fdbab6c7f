// Scoring inside an ingest worker: brings the states of the visitors in a write
// group up to date, puts the states, leads-index changes and score events into
// the group's WriteBatch, and wakes quiet visitors whose level changes by
// decay.
//
//   VisitorScoring::Pending pending;
//   RETURN_IF_ERROR(scoring.ScoreEvents(tenant, visitor, events, now, batch,
//                                       &pending));
//   RETURN_IF_ERROR(scoring.RunDueTimers(now, batch, &pending));
//   status = store->Commit(batch);
//   status.ok() ? scoring.Committed(pending) : scoring.Failed(pending);
//
// The cache and the timers change only when the batch is committed, so a
// failed write leaves nothing in memory that is not on disk.
//
// Thread safety: none; each ingest worker owns one.
#ifndef KAIKU_LIB_INGEST_VISITOR_SCORING_H_
#define KAIKU_LIB_INGEST_VISITOR_SCORING_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "kaiku/v1/event.pb.h"
#include "lib/ingest/state_cache.h"
#include "lib/ingest/stored_visitor.h"
#include "lib/ingest/timer_queue.h"
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
  // Now, not totals: states in the cache and the bytes charged for them.
  int64_t cached_visitors = 0;
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

class VisitorScoring {
 public:
  // Changes of one write group, applied when it is committed.
  struct Pending {
    struct Visitor {
      std::string stored;  // EncodeStoredVisitor
      std::optional<int64_t> wake;
    };
    // By visitor key.
    absl::flat_hash_map<std::string, Visitor> visitors;
    // Timers taken off the queue for this group; put back if it fails.
    std::vector<std::string> woken;
    int64_t now = 0;
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

  // `store` and `model` must outlive this.
  VisitorScoring(storage::Store* store, const scoring::CurrentModel* model,
                 size_t cache_bytes);

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
                           int64_t now, storage::StoreBatch* batch,
                           Pending* pending);

  // Publishes what is due by `now` for up to `max` waiting visitors.
  absl::Status RunDueTimers(int64_t now, size_t max, storage::StoreBatch* batch,
                            Pending* pending);

  // Schedules the wake-up of a visitor found in the leads index at startup.
  absl::Status Restore(absl::string_view tenant, absl::string_view visitor_id,
                       int64_t now);

  // Drops the visitor's cached state and wake-up, after the store erased it.
  void Forget(absl::string_view tenant, absl::string_view visitor_id);

  void Committed(Pending& pending);
  void Failed(Pending& pending);

  std::optional<int64_t> NextDue() const { return timers_.NextDue(); }
  const ScoringCounters& counters() const { return counters_; }
  const StateCache& cache() const { return cache_; }

 private:
  // The visitor's latest record: this group's pending one, the cache's, the
  // store's, or nullopt when there is none or it is unreadable (then
  // `*unreadable` is set, when given).
  absl::StatusOr<std::optional<StoredVisitor>> Load(
      const std::string& key, absl::string_view tenant,
      absl::string_view visitor_id, const Pending& pending,
      bool* unreadable = nullptr);
  // Writes the new state, its leads-index change and its score events into
  // the batch, and records it as pending. `state` must have been Ticked at
  // `now`.
  void Finish(const scoring::Scorer& scorer, absl::string_view tenant,
              absl::string_view visitor_id, const std::string& key,
              const scoring::VisitorState& state, bool was_lead, int64_t now,
              std::vector<kaiku::v1::ScoreEvent>& out,
              storage::StoreBatch* batch, Pending* pending);

  storage::Store* const store_;
  const scoring::CurrentModel* const model_;
  StateCache cache_;
  TimerQueue timers_;
  ScoringCounters counters_;
};

}  // namespace kaiku::ingest

#endif  // KAIKU_LIB_INGEST_VISITOR_SCORING_H_
