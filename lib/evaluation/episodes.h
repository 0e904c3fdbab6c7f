// Labelled examples from visitors' timelines: what Kaiku would have said about
// a visitor at the moment that matters, against whether they bought.
//
// An episode is the events of one visitor that share a session_id (the replay
// sets it: a session, or a visitor-day where the data has no sessions; events
// without one are context only). An episode with a conversion is positive, one
// without is negative. Earlier episodes of the visitor count (that is what
// revisit frequency and decay are for).
//
// The leak-free protocol: every episode is scored at a comparable moment, the
// one a stream knows most about before the decision — a positive at the last
// event of the visitor before its first conversion, a negative at its last
// event — with the fold of the visitor's events up to that moment and no time
// added. Scoring positives at the purchase instead would let the pause before a
// purchase (minutes, which decaying signals read) rank the buyers. A purchase
// that opens its episode (no event of the episode before it) is not an
// example: at its moment the stream has not seen the episode at all, and
// keeping it would let "the episode has no events yet" mark buyers. Beside the
// primary moment, every example carries its score at each of the episode's
// events before the decision (event_scores): each of them predicts "this
// episode ends in a purchase" too.
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
  // The moment scored (Unix microseconds of event time): the last event before
  // the decision.
  int64_t at_micros = 0;
  // Positives: the first conversion's time; negatives: at_micros.
  int64_t decision_micros = 0;
  // How many of the visitor's events (a prefix of the timeline) the moment
  // knows.
  int64_t history_events = 0;
  // Scorer::Evaluate at `at_micros`; the level is COLD for a disqualified
  // visitor or a bot.
  double score = 0;
  kaiku::v1::Level level = kaiku::v1::LEVEL_COLD;
  bool bot = false;
  bool disqualified = false;
  // Scorer::Features at `at_micros`.
  std::vector<double> features;
  // The score right after each of the episode's events before the decision,
  // in order (the last one is `score`, when the episode has events of its own
  // before it).
  std::vector<double> event_scores;
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
