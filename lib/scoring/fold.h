// Bringing a visitor's state up to date with newly stored events, in event-time
// order whatever order they arrived in.
//
// New events later than everything folded so far are folded incrementally.
// Anything else (a late event, or state computed by another model) makes the
// state be recomputed from the visitor's whole timeline, so the state is
// always the fold of the visitor's events in (event time, event_id) order:
// a function of the model and the events, not of arrival order or batching.
#ifndef KAIKU_LIB_SCORING_FOLD_H_
#define KAIKU_LIB_SCORING_FOLD_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kaiku/v1/event.pb.h"
#include "kaiku/v1/scores.pb.h"
#include "lib/scoring/scorer.h"
#include "lib/scoring/visitor_state.h"

namespace kaiku::scoring {

// Returns the visitor's previously stored events (any order; the new ones
// excluded).
using HistoryFn =
    absl::FunctionRef<absl::StatusOr<std::vector<kaiku::v1::Event>>()>;

struct FoldResult {
  // Whether the state was recomputed from the whole timeline.
  bool recomputed = false;
};

// Folds `events` (new events of one visitor, any order) into `state`, appending
// the score events for what changed to `out` (visitor_id left empty). `history`
// is called only when a recomputation is needed (or `unknown_history`: the
// state was lost, so the timeline must be read); its error is returned and
// `state` is then unchanged.
absl::StatusOr<FoldResult> FoldEvents(
    const Scorer& scorer, std::vector<const kaiku::v1::Event*> events,
    HistoryFn history, VisitorState& state,
    std::vector<kaiku::v1::ScoreEvent>* out, bool unknown_history = false);

// A visitor's whole timeline (in timeline order) folded from scratch, without
// publishing (the result's `published` is the default).
VisitorState FoldTimeline(const Scorer& scorer,
                          const std::vector<kaiku::v1::Event>& timeline);

// (event time, event_id): the order of a timeline.
bool EventOrder(const kaiku::v1::Event& a, const kaiku::v1::Event& b);

}  // namespace kaiku::scoring

#endif  // KAIKU_LIB_SCORING_FOLD_H_
