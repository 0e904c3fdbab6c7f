// A backtest: what a model would have said about the stored history, without
// sending anything. Each visitor's stored timeline is folded as kaikud folds it
// (events in timeline order, the decay timers that would have fired between
// them, then the timers up to `until`), and the score events it would have
// published are counted per calendar day (the model's time zone). Comparing
// two models' summaries shows what a model change would do to the stream
// before it goes live: how many level changes, hot visitors and triggers a
// day, and which visitors end at another level.
#ifndef KAIKU_LIB_EVALUATION_BACKTEST_H_
#define KAIKU_LIB_EVALUATION_BACKTEST_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kaiku/v1/scores.pb.h"
#include "lib/evaluation/timelines.h"
#include "lib/scoring/scorer.h"

namespace kaiku::evaluation {

struct DayCounts {
  int64_t score_events = 0;
  int64_t level_changes = 0;
  // Level changes up to HOT or SALES_READY from below.
  int64_t to_hot = 0;
  int64_t triggers = 0;
  int64_t disqualified = 0;
  // Distinct visitors who rose to HOT or above that day.
  int64_t hot_visitors = 0;
};

struct VisitorOutcome {
  std::string visitor_id;
  kaiku::v1::Level level = kaiku::v1::LEVEL_COLD;
  double score = 0;
};

struct StreamSummary {
  // By calendar day, as days since 1970-01-01.
  std::map<int64_t, DayCounts> days;
  DayCounts total;  // hot_visitors: distinct visitors over the whole history
  // Every visitor at `until`, in the order of `timelines`.
  std::vector<VisitorOutcome> visitors;
};

// Folds every timeline with `scorer` and summarises what would have been
// published up to `until` (Unix microseconds; at least each timeline's last
// event is used), by calendar day in `zone`.
StreamSummary SimulateStream(const scoring::Scorer& scorer,
                             const std::vector<Timeline>& timelines,
                             int64_t until, const absl::TimeZone& zone);

}  // namespace kaiku::evaluation

#endif  // KAIKU_LIB_EVALUATION_BACKTEST_H_
