// Labelled examples from visitors' timelines: what Kaiku would have said about
// a visitor at the moment that matters, against whether they bought.
//
// An episode is the events of one visitor that share a session_id (the replay
// sets it: a session, or a visitor-day where the data has no sessions; events
// without one are context only). An episode with a conversion is positive and
// is scored just before its first conversion: the fold of every event of the
// visitor before it in timeline order, evaluated at the conversion's time —
// never anything at or after the purchase. An episode without one is negative
// and is scored just after its last event. Earlier episodes of the visitor
// count (that is what revisit frequency and decay are for).
//
// The scores are the scorer's own (Scorer::Evaluate), and the features are
// Scorer::Features at the same moment: training and serving compute them with
// the same code.
#ifndef KAIKU_LIB_EVALUATION_EPISODES_H_
#define KAIKU_LIB_EVALUATION_EPISODES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "kaiku/v1/event.pb.h"
#include "kaiku/v1/scores.pb.h"
#include "lib/scoring/scorer.h"

namespace kaiku::evaluation {

struct Example {
  std::string visitor_id;
  std::string episode;  // the session_id
  bool converted = false;
  // The moment scored (Unix microseconds of event time).
  int64_t at_micros = 0;
  // Scorer::Evaluate at `at_micros`; the level is COLD for a disqualified
  // visitor or a bot.
  double score = 0;
  kaiku::v1::Level level = kaiku::v1::LEVEL_COLD;
  bool bot = false;
  bool disqualified = false;
  // Scorer::Features at `at_micros`.
  std::vector<double> features;
  // Product page views (page type PRODUCT, from the event or the model's URL
  // rules) before the moment: in this episode, and in the whole timeline.
  int64_t episode_product_views = 0;
  int64_t total_product_views = 0;
  // Positives: when the score stream last told that the visitor reached HOT
  // or above, if they were still there at the moment scored.
  std::optional<int64_t> hot_since_micros;
};

// Folds one visitor's timeline (in timeline order: scoring::EventOrder) with
// `scorer` and returns the examples of its episodes, in the order of their
// moments.
std::vector<Example> VisitorExamples(
    const scoring::Scorer& scorer, absl::string_view visitor_id,
    const std::vector<kaiku::v1::Event>& timeline);

}  // namespace kaiku::evaluation

#endif  // KAIKU_LIB_EVALUATION_EPISODES_H_
