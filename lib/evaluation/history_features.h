// The offline peer's features: what a visitor's history says at an example's
// moment, computed straight from the events (not by the scorer), for the
// gradient-boosting baseline that kaiku_eval writes out with --features_out.
//
// Only events up to the moment count (the moment is the example's at_micros,
// an event of the visitor), so the features hold nothing a stream could not
// have known then. They are counts and times a learner with no limits on
// state would use: totals by kind, the episode's counts, today's counts in the
// given time zone, days active and with a purchase, times since the previous
// visit, purchase and cart, repeat views of one URL, the last event's kind, the
// hour and weekday, and the page values the events carry (PageView.page_value).
// Times that do not exist (no earlier purchase) are NaN, which the learner
// reads as missing.
#ifndef KAIKU_LIB_EVALUATION_HISTORY_FEATURES_H_
#define KAIKU_LIB_EVALUATION_HISTORY_FEATURES_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kaiku/v1/event.pb.h"
#include "lib/evaluation/episodes.h"
#include "lib/scoring/model.h"

namespace kaiku::evaluation {

// The names of HistoryFeatures' values, in order.
const std::vector<std::string>& HistoryFeatureNames();

// The features of `example` (an example of the visitor whose timeline, in
// timeline order, is `timeline`); page types come from `model`'s URL rules.
std::vector<double> HistoryFeatures(
    const scoring::Model& model, absl::TimeZone zone,
    const std::vector<kaiku::v1::Event>& timeline, const Example& example);

}  // namespace kaiku::evaluation

#endif  // KAIKU_LIB_EVALUATION_HISTORY_FEATURES_H_
