#include "lib/evaluation/backtest.h"

#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "google/protobuf/util/time_util.h"

namespace kaiku::evaluation {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::v1::ScoreEvent;

// Fires the timers kaikud would have fired after `now` and before `before`;
// returns the time of the last one (or `now`).
int64_t RunTimers(const scoring::Scorer& scorer, scoring::VisitorState& state,
                  int64_t now, int64_t before, std::vector<ScoreEvent>* out) {
  // Each wake-up publishes something or moves the level, so a visitor's
  // timers between two events are few; the bound is a guard, not a limit
  // that a real history reaches.
  for (int i = 0; i < 10000; ++i) {
    std::optional<int64_t> wake = scorer.NextWakeUp(state, now);
    if (!wake.has_value() || *wake >= before || *wake <= now) break;
    scorer.Tick(state, *wake, out);
    now = *wake;
  }
  return now;
}

void Count(const absl::TimeZone& zone, const ScoreEvent& e,
           std::map<int64_t, DayCounts>& days, DayCounts& total,
           absl::flat_hash_set<int64_t>& hot_days, bool& hot_ever) {
  const int64_t t = TimeUtil::TimestampToMicroseconds(e.occurred_at());
  const int64_t day = absl::ToCivilDay(absl::FromUnixMicros(t), zone) -
                      absl::CivilDay(1970, 1, 1);
  DayCounts& d = days[day];
  for (DayCounts* c : {&d, &total}) {
    ++c->score_events;
    switch (e.kind()) {
      case kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED:
        ++c->level_changes;
        if (e.level() >= kaiku::v1::LEVEL_HOT &&
            e.previous_level() < kaiku::v1::LEVEL_HOT)
          ++c->to_hot;
        break;
      case kaiku::v1::SCORE_EVENT_KIND_TRIGGER_FIRED:
        ++c->triggers;
        break;
      case kaiku::v1::SCORE_EVENT_KIND_DISQUALIFIED:
        ++c->disqualified;
        break;
      default:
        break;
    }
  }
  if (e.kind() == kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED &&
      e.level() >= kaiku::v1::LEVEL_HOT &&
      e.previous_level() < kaiku::v1::LEVEL_HOT) {
    if (hot_days.insert(day).second) ++d.hot_visitors;
    if (!hot_ever) ++total.hot_visitors;
    hot_ever = true;
  }
}

}  // namespace

StreamSummary SimulateStream(const scoring::Scorer& scorer,
                             const std::vector<Timeline>& timelines,
                             int64_t until, const absl::TimeZone& zone) {
  StreamSummary summary;
  std::vector<ScoreEvent> out;
  for (const Timeline& timeline : timelines) {
    scoring::VisitorState state = scorer.NewState();
    int64_t now = 0;
    for (const kaiku::v1::Event& e : timeline.events) {
      const int64_t t = TimeUtil::TimestampToMicroseconds(e.occurred_at());
      if (state.event_count > 0) RunTimers(scorer, state, now, t, &out);
      scorer.Apply(e, state, &out);
      now = std::max(now, t);
    }
    const int64_t end = std::max(until, now);
    if (state.event_count > 0) {
      now = RunTimers(scorer, state, now, end + 1, &out);
      scorer.Tick(state, end, &out);
    }
    absl::flat_hash_set<int64_t> hot_days;
    bool hot_ever = false;
    for (const ScoreEvent& e : out)
      Count(zone, e, summary.days, summary.total, hot_days, hot_ever);
    out.clear();
    VisitorOutcome& outcome = summary.visitors.emplace_back();
    outcome.visitor_id = timeline.visitor_id;
    if (state.event_count > 0) {
      const scoring::Scorer::View view = scorer.Evaluate(state, end);
      outcome.level = view.level;
      outcome.score = view.score;
    }
  }
  return summary;
}

}  // namespace kaiku::evaluation
