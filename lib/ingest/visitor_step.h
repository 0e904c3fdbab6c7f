// One step of a visitor's scoring — new events folded in, or a wake-up — as a
// pure function of the state before, the step's input and its time. Live
// scoring (lib/ingest/visitor_scoring.h) and the journal's replay
// (lib/ingest/journal.h) both take their steps here, so that a replayed
// visitor ends in exactly the state it had in memory.
#ifndef KAIKU_LIB_INGEST_VISITOR_STEP_H_
#define KAIKU_LIB_INGEST_VISITOR_STEP_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "kaiku/v1/event.pb.h"
#include "kaiku/v1/scores.pb.h"
#include "lib/ingest/stored_visitor.h"
#include "lib/scoring/fold.h"
#include "lib/scoring/scorer.h"

namespace kaiku::ingest {

struct VisitorStep {
  // The state after the step, Ticked at its time, with its lead flag.
  StoredVisitor visitor;
  // Whether the lead flag changed (the leads index must follow).
  bool lead_changed = false;
  // When the visitor must be woken next; nullopt: never.
  std::optional<int64_t> wake;
  // What the step published (visitor_id left empty).
  std::vector<kaiku::v1::ScoreEvent> out;
  // Whether the state was recomputed from the whole timeline.
  bool recomputed = false;
};

// Folds new events into `before` (nullopt: no readable state; then when
// `may_have_history` the timeline may hold events already and `history` is
// read first). `history` gives the visitor's stored events other than
// `events`.
absl::StatusOr<VisitorStep> FoldStep(
    const scoring::Scorer& scorer, std::optional<StoredVisitor> before,
    bool may_have_history, std::vector<const kaiku::v1::Event*> events,
    int64_t now, scoring::HistoryFn history);

// Wakes the visitor at `now`: publishes what decay changed and what was held
// back. A state of another model is recomputed from `history` first.
absl::StatusOr<VisitorStep> WakeStep(const scoring::Scorer& scorer,
                                     StoredVisitor before, int64_t now,
                                     scoring::HistoryFn history);

}  // namespace kaiku::ingest

#endif  // KAIKU_LIB_INGEST_VISITOR_STEP_H_
