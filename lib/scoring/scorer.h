// The scorer: pure functions of a model, a visitor's state, events and `now`.
// No clock, no I/O, no locks: the same inputs give the same outputs, which is
// what makes replays, recomputation and the tests exact.
//
//   Scorer scorer(*model);
//   VisitorState state = scorer.NewState();
//   std::vector<kaiku::v1::ScoreEvent> out;
//   for (const Event& e : events_in_time_order) scorer.Apply(e, state, &out);
//   scorer.Tick(state, now, &out);                 // decay without events
//   std::optional<int64_t> wake = scorer.NextWakeUp(state, now);
//
// Semantics (SPEC §5; the model file documents the knobs):
//  - Sessions: a gap longer than session_gap starts one.
//  - Dwell: an Engagement event's time, else the gap to the next page view of
//    the session, capped at max_inferred_dwell (the last page of a session has
//    no dwell).
//  - Signals: exponentially decayed sums, decayed exactly to each event's time.
//  - Score: 100 · sigmoid(bias + Σ weight · f(signal)).
//  - Level: up when the score reaches a higher level's `enter` (not within
//    `cooldown` of the last drop); down when it falls below the current level's
//    `exit` (not within `min_time_in_level` of entering it). Between events the
//    score decays; the level changes at the first whole second at which the
//    rule holds, found exactly by bounding the score over intervals.
//  - Segment, stage and disqualification: first matching rule at each event.
//  - Triggers: `count` events of a signal within `window`, then not again for
//    `window`.
//  - Bots: a click burst or a zero-dwell streak marks a bot for good; a bot
//    never produces a score event. While clicks come fast (suspect), score
//    events wait until the burst has drained.
//  - Score events are the differences between the state's view and what was
//    last published (VisitorState::published), so a level is announced once
//    per real change, whichever path (event, timer, recomputation) finds it.
//  - The stream's time rule: per visitor, published occurred_at never goes
//    back (Published::as_of). An event older than the last published view is
//    late: it changes the fold exactly like any other, but publishes nothing
//    at its own time; the next view published (the Tick that follows, as of
//    now) carries its effect once. A trigger fired by a late event goes out
//    with that view when it fired within its window before it, and is history
//    otherwise. So a backfill in any number of requests ends in the same state
//    as one in-order request, and its stream never flaps.
#ifndef KAIKU_LIB_SCORING_SCORER_H_
#define KAIKU_LIB_SCORING_SCORER_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "kaiku/v1/event.pb.h"
#include "kaiku/v1/scores.pb.h"
#include "lib/scoring/model.h"
#include "lib/scoring/visitor_state.h"

namespace kaiku::scoring {

// How far ahead NextWakeUp looks.
inline constexpr int64_t kWakeUpHorizonMicros = int64_t{400} * 86400 * 1000000;

class Scorer {
 public:
  // `model` must outlive the scorer.
  explicit Scorer(const Model& model) : model_(model) {}

  const Model& model() const { return model_; }

  // A state with no events, for this model.
  VisitorState NewState() const;

  // Whether `state` was computed by this model (fingerprint and shape match);
  // only such a state may be given to Tick, NextWakeUp, Evaluate and Explain.
  bool Compatible(const VisitorState& state) const;

  // Whether an event at `event_time` can be folded into `state` (state of this
  // model, event after every folded one). Otherwise the caller recomputes the
  // state from the whole timeline (see PublishRecomputed).
  bool CanAppend(const VisitorState& state, int64_t event_time) const;

  // Folds one event (CanAppend must hold). With `out`, appends the score
  // events for what changed, visitor_id left empty, and updates
  // state.published.
  void Apply(const kaiku::v1::Event& event, VisitorState& state,
             std::vector<kaiku::v1::ScoreEvent>* out) const;

  // Publishes what changed without events up to `now`: level changes by decay
  // at the moment they happened, and what waited for a suspicion to end. Only
  // state.published changes; the fold stays a function of the events.
  void Tick(VisitorState& state, int64_t now,
            std::vector<kaiku::v1::ScoreEvent>* out) const;

  // After recomputing `state` from the whole timeline (folded without `out`):
  // takes `before`'s published part and publishes the differences as of `at`,
  // including triggers that fired later in `state` than in `before`.
  void PublishRecomputed(const VisitorState& before, VisitorState& state,
                         int64_t at,
                         std::vector<kaiku::v1::ScoreEvent>* out) const;

  // The earliest time after `now` at which Tick would publish something, or
  // nullopt when nothing will happen within kWakeUpHorizonMicros.
  std::optional<int64_t> NextWakeUp(const VisitorState& state,
                                    int64_t now) const;

  // The visitor as seen at `at` (not before the last event).
  struct View {
    double score = 0;
    kaiku::v1::Level level = kaiku::v1::LEVEL_COLD;
    kaiku::v1::Segment segment = kaiku::v1::SEGMENT_INFORMATION_SEEKER;
    kaiku::v1::Stage stage = kaiku::v1::STAGE_AWARENESS;
  };
  View Evaluate(const VisitorState& state, int64_t at) const;

  // f(signal) of every signal at `at` (not before the last event), in
  // Model::signals() order: the logit is bias + Σ weight_i · features[i].
  // The features a learner fits the weights to, computed exactly as scoring
  // computes them.
  std::vector<double> Features(const VisitorState& state, int64_t at) const;

  // Every non-zero signal's value and contribution at `at`, largest absolute
  // contribution first, and the reasons (disqualification, bot).
  void Explain(const VisitorState& state, int64_t at,
               kaiku::v1::Explanation* out) const;

 private:
  double SignalAt(const VisitorState& s, int i, int64_t t) const;
  // Counts the current event (at `t`) in signal i: values[i] and the state's
  // time marks and URL counts, by the signal's aggregate.
  void Count(VisitorState& s, int i, double amount, int64_t t,
             uint32_t url_hash, double* values) const;
  bool Holds(const std::vector<Condition>& all_of, const VisitorState& s) const;
  double LogitAt(const VisitorState& s, int64_t t) const;
  bool Suspect(const VisitorState& s, int64_t t) const;
  kaiku::v1::Level TargetLevel(const VisitorState& s, double logit,
                               int64_t t) const;
  // The first whole second strictly between `after` and `before` at which the
  // level rule changes the level.
  std::optional<int64_t> FirstLevelChange(const VisitorState& s, int64_t after,
                                          int64_t before) const;
  std::optional<int64_t> Search(const VisitorState& s, int64_t lo_s,
                                int64_t hi_s, int& budget) const;
  // Applies every level change up to (not including) `before`.
  void AdvanceLevel(VisitorState& s, int64_t before,
                    std::vector<kaiku::v1::ScoreEvent>* out) const;
  void SetLevel(VisitorState& s, kaiku::v1::Level level, int64_t t) const;
  void EvaluateRules(VisitorState& s) const;
  // Publishes the differences between the view at `t` and s.published, at
  // max(t, s.published.as_of), and moves as_of there.
  void Publish(VisitorState& s, int64_t t, uint32_t fired,
               std::vector<kaiku::v1::ScoreEvent>* out) const;
  // Of the `fired` triggers (bit set), those that fired within their window
  // before s.published.as_of: a late event's firing that is still news.
  uint32_t StillNews(const VisitorState& s, uint32_t fired) const;
  bool ViewDiffers(const VisitorState& s) const;
  // Whether two disqualifier rules share a name (one reason to the CRM).
  bool SameDisqualifier(int a, int b) const;
  kaiku::v1::ScoreEvent& NewScoreEvent(
      kaiku::v1::ScoreEventKind kind, const VisitorState& s, int64_t t,
      std::vector<kaiku::v1::ScoreEvent>* out) const;

  const Model& model_;
};

}  // namespace kaiku::scoring

#endif  // KAIKU_LIB_SCORING_SCORER_H_
