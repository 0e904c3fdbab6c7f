#include "lib/ingest/visitor_step.h"

#include <utility>

#include "lib/common/status_macros.h"

namespace kaiku::ingest {
namespace {

// Ticks `state` at `now` and fills in what follows from it.
VisitorStep Finish(const scoring::Scorer& scorer, scoring::VisitorState state,
                   bool was_lead, int64_t now, VisitorStep step) {
  scorer.Tick(state, now, &step.out);
  step.wake = scorer.NextWakeUp(state, now);
  // Ticked, so the view at `now` has been published, or is held back and
  // `wake` is set: no separate evaluation is needed.
  step.visitor.lead =
      step.wake.has_value() || state.published.level >= kaiku::v1::LEVEL_WARM;
  step.lead_changed = step.visitor.lead != was_lead;
  step.visitor.state = std::move(state);
  return step;
}

}  // namespace

absl::StatusOr<VisitorStep> FoldStep(
    const scoring::Scorer& scorer, std::optional<StoredVisitor> before,
    bool may_have_history, std::vector<const kaiku::v1::Event*> events,
    int64_t now, scoring::HistoryFn history) {
  const bool known = before.has_value();
  scoring::VisitorState state =
      known ? std::move(before->state) : scorer.NewState();
  const bool was_lead = known && before->lead;
  // Without a state, the timeline may still hold events: read it once.
  std::vector<kaiku::v1::Event> earlier;
  bool unknown_history = false;
  if (!known && may_have_history) {
    ASSIGN_OR_RETURN(earlier, history());
    unknown_history = !earlier.empty();
  }
  VisitorStep step;
  ASSIGN_OR_RETURN(scoring::FoldResult result,
                   scoring::FoldEvents(
                       scorer, std::move(events),
                       [&]() -> absl::StatusOr<std::vector<kaiku::v1::Event>> {
                         if (unknown_history) return earlier;
                         return history();
                       },
                       state, &step.out, unknown_history));
  step.recomputed = result.recomputed;
  return Finish(scorer, std::move(state), was_lead, now, std::move(step));
}

absl::StatusOr<VisitorStep> WakeStep(const scoring::Scorer& scorer,
                                     StoredVisitor before, int64_t now,
                                     scoring::HistoryFn history) {
  VisitorStep step;
  scoring::VisitorState state = std::move(before.state);
  if (!scorer.Compatible(state)) {
    ASSIGN_OR_RETURN(std::vector<kaiku::v1::Event> events, history());
    scoring::VisitorState recomputed = scoring::FoldTimeline(scorer, events);
    scorer.PublishRecomputed(state, recomputed, now, &step.out);
    state = std::move(recomputed);
    step.recomputed = true;
  }
  return Finish(scorer, std::move(state), before.lead, now, std::move(step));
}

}  // namespace kaiku::ingest
