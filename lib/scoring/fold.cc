#include "lib/scoring/fold.h"

#include <algorithm>
#include <utility>

#include "google/protobuf/util/time_util.h"

namespace kaiku::scoring {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::v1::Event;

bool EventOrder(const Event& a, const Event& b) {
  const int64_t ta = TimeUtil::TimestampToMicroseconds(a.occurred_at());
  const int64_t tb = TimeUtil::TimestampToMicroseconds(b.occurred_at());
  if (ta != tb) return ta < tb;
  return a.event_id() < b.event_id();
}

VisitorState FoldTimeline(const Scorer& scorer,
                          const std::vector<Event>& timeline) {
  VisitorState state = scorer.NewState();
  for (const Event& e : timeline) scorer.Apply(e, state, nullptr);
  return state;
}

absl::StatusOr<FoldResult> FoldEvents(const Scorer& scorer,
                                      std::vector<const Event*> events,
                                      HistoryFn history, VisitorState& state,
                                      std::vector<kaiku::v1::ScoreEvent>* out,
                                      bool unknown_history) {
  FoldResult result;
  if (events.empty()) return result;
  std::sort(events.begin(), events.end(),
            [](const Event* a, const Event* b) { return EventOrder(*a, *b); });
  const int64_t first =
      TimeUtil::TimestampToMicroseconds(events.front()->occurred_at());
  if (!unknown_history && scorer.CanAppend(state, first)) {
    for (const Event* e : events) scorer.Apply(*e, state, out);
    return result;
  }

  absl::StatusOr<std::vector<Event>> stored = history();
  if (!stored.ok()) return stored.status();
  std::vector<const Event*> all;
  all.reserve(stored->size() + events.size());
  for (const Event& e : *stored) all.push_back(&e);
  int64_t latest_new = first;
  for (const Event* e : events) {
    all.push_back(e);
    latest_new = std::max(latest_new,
                          TimeUtil::TimestampToMicroseconds(e->occurred_at()));
  }
  std::sort(all.begin(), all.end(),
            [](const Event* a, const Event* b) { return EventOrder(*a, *b); });
  VisitorState recomputed = scorer.NewState();
  for (const Event* e : all) scorer.Apply(*e, recomputed, nullptr);
  scorer.PublishRecomputed(state, recomputed, latest_new, out);
  state = std::move(recomputed);
  result.recomputed = true;
  return result;
}

}  // namespace kaiku::scoring
