#include "lib/ingest/visitor_scoring.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "google/protobuf/util/time_util.h"
#include "lib/common/logging.h"
#include "lib/common/status_macros.h"
#include "lib/scoring/fold.h"
#include "lib/storage/key_codec.h"

namespace kaiku::ingest {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::scoring::Scorer;
using ::kaiku::scoring::VisitorState;
using ::kaiku::v1::Event;
using ::kaiku::v1::ScoreEvent;

namespace {
constexpr int64_t kRetryMicros = 1000000;
}  // namespace

VisitorScoring::VisitorScoring(storage::Store* store,
                               const scoring::CurrentModel* model,
                               size_t cache_bytes)
    : store_(store), model_(model), cache_(cache_bytes) {}

absl::StatusOr<std::optional<StoredVisitor>> VisitorScoring::Load(
    const std::string& key, absl::string_view tenant,
    absl::string_view visitor_id, const Pending& pending, bool* unreadable) {
  absl::string_view bytes;
  std::optional<std::string> stored;
  if (auto it = pending.visitors.find(key); it != pending.visitors.end()) {
    bytes = it->second.stored;
    ++counters_.states_cached;
  } else if (std::optional<absl::string_view> hit = cache_.Get(key)) {
    bytes = *hit;
    ++counters_.states_cached;
  } else {
    ASSIGN_OR_RETURN(stored, store_->GetVisitorState(tenant, visitor_id));
    if (!stored.has_value()) {
      ++counters_.states_new;
      return std::nullopt;
    }
    ++counters_.states_read;
    bytes = *stored;
  }
  absl::StatusOr<StoredVisitor> decoded = DecodeStoredVisitor(bytes);
  if (!decoded.ok()) {
    // Rebuilt from the timeline, which is the source of truth.
    LOG(WARNING) << "visitor state of " << visitor_id << " in tenant " << tenant
                 << " is unreadable (" << decoded.status()
                 << "); recomputing it";
    cache_.Erase(key);
    if (unreadable != nullptr) *unreadable = true;
    return std::nullopt;
  }
  return *std::move(decoded);
}

absl::StatusOr<std::vector<bool>> VisitorScoring::FindNew(
    absl::string_view tenant, absl::string_view visitor_id,
    absl::Span<const Event* const> events, const Pending& pending,
    Loaded* loaded) {
  loaded->key = storage::VisitorKey(tenant, visitor_id);
  ASSIGN_OR_RETURN(loaded->visitor, Load(loaded->key, tenant, visitor_id,
                                         pending, &loaded->unreadable));
  // The time of the visitor's last stored event; nullopt when unknown (then
  // every event is looked up): in a store where events were stored without
  // scoring, the timeline may hold events later than the state.
  std::optional<int64_t> last;
  if (!loaded->unreadable && store_->EveryEventHasState()) {
    last = loaded->visitor.has_value() ? loaded->visitor->state.last_event
                                       : std::numeric_limits<int64_t>::min();
  }
  std::vector<bool> fresh;
  fresh.reserve(events.size());
  for (const Event* e : events) {
    if (last.has_value() &&
        TimeUtil::TimestampToMicroseconds(e->occurred_at()) > *last) {
      fresh.push_back(true);
      continue;
    }
    ASSIGN_OR_RETURN(const bool stored, store_->ContainsEvent(tenant, *e));
    fresh.push_back(!stored);
  }
  return fresh;
}

absl::Status VisitorScoring::ScoreEvents(
    absl::string_view tenant, absl::string_view visitor_id, Loaded loaded,
    std::vector<const Event*> events, int64_t now, storage::StoreBatch* batch,
    Pending* pending) {
  pending->now = now;
  const std::shared_ptr<const scoring::Model> model = model_->Get();
  const Scorer scorer(*model);
  const std::string& key = loaded.key;
  const bool unreadable = loaded.unreadable;
  const bool known = loaded.visitor.has_value();
  VisitorState state =
      known ? std::move(loaded.visitor->state) : scorer.NewState();
  const bool was_lead = known && loaded.visitor->lead;
  // Without a state, the timeline may still hold events (stored before
  // scoring existed, or the state was unreadable): read it once. A store
  // whose every event came with a state has none for a first-seen visitor.
  std::vector<Event> history;
  bool unknown_history = false;
  if (!known && (unreadable || !store_->EveryEventHasState())) {
    ASSIGN_OR_RETURN(history, ReadWholeTimeline(*store_, tenant, visitor_id));
    unknown_history = !history.empty();
  }
  std::vector<ScoreEvent> out;
  ASSIGN_OR_RETURN(scoring::FoldResult result,
                   scoring::FoldEvents(
                       scorer, std::move(events),
                       [&]() -> absl::StatusOr<std::vector<Event>> {
                         if (unknown_history) return history;
                         return ReadWholeTimeline(*store_, tenant, visitor_id);
                       },
                       state, &out, unknown_history));
  if (result.recomputed) ++pending->recomputations;
  scorer.Tick(state, now, &out);
  Finish(scorer, tenant, visitor_id, key, state, was_lead, now, out, batch,
         pending);
  return absl::OkStatus();
}

absl::Status VisitorScoring::RunDueTimers(int64_t now, size_t max,
                                          storage::StoreBatch* batch,
                                          Pending* pending) {
  pending->now = now;
  std::vector<std::string> keys = timers_.PopDue(now, max);
  if (keys.empty()) return absl::OkStatus();
  const std::shared_ptr<const scoring::Model> model = model_->Get();
  const Scorer scorer(*model);
  for (std::string& key : keys) {
    pending->woken.push_back(key);
    absl::string_view tenant, visitor_id;
    if (!storage::DecodeVisitorKey(key, &tenant, &visitor_id)) continue;
    ASSIGN_OR_RETURN(std::optional<StoredVisitor> loaded,
                     Load(key, tenant, visitor_id, *pending));
    if (!loaded.has_value()) continue;
    std::vector<ScoreEvent> out;
    VisitorState state = std::move(loaded->state);
    if (!scorer.Compatible(state)) {
      ASSIGN_OR_RETURN(std::vector<Event> events,
                       ReadWholeTimeline(*store_, tenant, visitor_id));
      VisitorState recomputed = scoring::FoldTimeline(scorer, events);
      scorer.PublishRecomputed(state, recomputed, now, &out);
      state = std::move(recomputed);
      ++pending->recomputations;
    }
    scorer.Tick(state, now, &out);
    ++pending->timer_wakeups;
    Finish(scorer, tenant, visitor_id, key, state, loaded->lead, now, out,
           batch, pending);
  }
  return absl::OkStatus();
}

void VisitorScoring::Finish(const Scorer& scorer, absl::string_view tenant,
                            absl::string_view visitor_id,
                            const std::string& key, const VisitorState& state,
                            bool was_lead, int64_t now,
                            std::vector<ScoreEvent>& out,
                            storage::StoreBatch* batch, Pending* pending) {
  for (ScoreEvent& e : out) {
    e.set_visitor_id(std::string(visitor_id));
    batch->AppendScoreEvent(tenant, e);
    pending->tally.Add(e);
  }
  const std::optional<int64_t> wake = scorer.NextWakeUp(state, now);
  // Callers Tick first, so the view at `now` has been published, or is held
  // back and `wake` is set: no separate evaluation is needed.
  StoredVisitor stored;
  stored.lead =
      wake.has_value() || state.published.level >= kaiku::v1::LEVEL_WARM;
  if (stored.lead != was_lead) batch->SetLead(tenant, visitor_id, stored.lead);
  stored.state = state;
  Pending::Visitor& entry = pending->visitors[key];
  entry.stored = EncodeStoredVisitor(stored);
  entry.wake = wake;
  batch->PutVisitorState(tenant, visitor_id, state.last_event, entry.stored);
}

absl::Status VisitorScoring::Restore(absl::string_view tenant,
                                     absl::string_view visitor_id,
                                     int64_t now) {
  const std::string key = storage::VisitorKey(tenant, visitor_id);
  ASSIGN_OR_RETURN(std::optional<StoredVisitor> loaded,
                   Load(key, tenant, visitor_id, Pending()));
  if (!loaded.has_value()) return absl::OkStatus();
  const std::shared_ptr<const scoring::Model> model = model_->Get();
  const Scorer scorer(*model);
  std::optional<int64_t> wake = scorer.Compatible(loaded->state)
                                    ? scorer.NextWakeUp(loaded->state, now)
                                    : std::optional<int64_t>(now);
  // A lead with nothing left to wake for is woken once, to leave the index.
  timers_.Schedule(key, wake.has_value() ? wake : std::optional<int64_t>(now));
  return absl::OkStatus();
}

void ScoreEventTally::Add(const kaiku::v1::ScoreEvent& event) {
  ++total;
  ++by_kind[event.kind()];
  if (event.kind() == kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED)
    ++transitions[event.previous_level()][event.level()];
  if (event.kind() == kaiku::v1::SCORE_EVENT_KIND_TRIGGER_FIRED)
    ++triggers[event.trigger()];
}

void VisitorScoring::Forget(absl::string_view tenant,
                            absl::string_view visitor_id) {
  const std::string key = storage::VisitorKey(tenant, visitor_id);
  cache_.Erase(key);
  timers_.Schedule(key, std::nullopt);
}

void VisitorScoring::Committed(Pending& pending) {
  for (auto& [key, visitor] : pending.visitors) {
    cache_.Put(key, visitor.stored);
    timers_.Schedule(key, visitor.wake);
  }
  counters_.score_events += pending.tally.total;
  counters_.recomputations += pending.recomputations;
  counters_.timer_wakeups += pending.timer_wakeups;
}

void VisitorScoring::Failed(Pending& pending) {
  for (auto& [key, visitor] : pending.visitors) cache_.Erase(key);
  for (const std::string& key : pending.woken)
    timers_.Schedule(key, pending.now + kRetryMicros);
}

}  // namespace kaiku::ingest
