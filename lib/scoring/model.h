// A compiled scoring model: kaiku.config.v1.ScoringModel (proto/kaiku/config/
// v1/model.proto) checked and turned into the tables the scorer evaluates.
//
//   ASSIGN_OR_RETURN(std::shared_ptr<const Model> model,
//   Model::Compile(proto)); Scorer scorer(*model);
//
// A Model is immutable after Compile, so one instance is shared by every
// thread; reloading builds a new one (see model_loader.h).
#ifndef KAIKU_LIB_SCORING_MODEL_H_
#define KAIKU_LIB_SCORING_MODEL_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kaiku/config/v1/model.pb.h"
#include "kaiku/v1/event.pb.h"
#include "kaiku/v1/scores.pb.h"
#include "re2/re2.h"

namespace kaiku::scoring {

// Limits that keep a visitor's state small (SPEC §8: <= 256 bytes cached).
inline constexpr int kMaxSignals = 24;
inline constexpr int kMaxTriggers = 8;
inline constexpr int kMaxTriggerCount = 8;
inline constexpr int kMaxRules = 64;
inline constexpr int kMaxShapeKnots = 16;
// AGGREGATE_MAX_PER_URL follows the visitor's most viewed URLs, this many.
inline constexpr int kTopUrls = 4;

// One problem found by ValidateModel: the field (e.g. "signals[2].half_life")
// and what is wrong with it.
struct ModelProblem {
  std::string field;
  std::string what;
};

// Every problem of the model; empty when it can be compiled.
std::vector<ModelProblem> ValidateModel(
    const kaiku::config::v1::ScoringModel& model);

// value >= at_least && value < below.
struct Condition {
  int signal = 0;
  double at_least = -std::numeric_limits<double>::infinity();
  double below = std::numeric_limits<double>::infinity();
};

struct SignalSpec {
  std::string name;
  kaiku::config::v1::SignalSource source =
      kaiku::config::v1::SIGNAL_SOURCE_UNSPECIFIED;
  // Bit v set: the filter admits enum value v (page type, asset kind, chat
  // intent or form kind, whichever the source filters on). All ones: any.
  uint32_t filter = ~uint32_t{0};
  kaiku::config::v1::Aggregate aggregate = kaiku::config::v1::AGGREGATE_SUM;
  // ln 2 / half-life in microseconds; 0: no decay.
  double decay_per_micro = 0;
  double weight = 0;
  bool log1p = false;
  double cap = std::numeric_limits<double>::infinity();
  // A learned curve over f(value) instead of the weight (empty: none).
  std::vector<double> shape_x, shape_y;
  // The index of the signal's time mark in VisitorState::marks (aggregates
  // that remember a time: DAYS, SECONDS_SINCE, PREVIOUS_GAP); -1: none.
  int mark = -1;

  // f(value): the value capped, then transformed (what the weight or the
  // shape reads; the features a learner fits to).
  double Feature(double value) const;
  // weight · f(value), or the shape at f(value).
  double Contribution(double value) const;
  // The least and the greatest contribution of any value between `a` and `b`
  // (either order): a bound that holds between two events, where every
  // signal's value moves monotonically.
  std::pair<double, double> ContributionRange(double a, double b) const;
};

struct TriggerSpec {
  std::string name;
  int signal = 0;
  int count = 1;
  int64_t window_micros = 0;
};

struct DisqualifierSpec {
  std::string name;
  std::string reason;
  std::vector<Condition> all_of;
};

struct SegmentRuleSpec {
  kaiku::v1::Segment segment = kaiku::v1::SEGMENT_UNSPECIFIED;
  std::vector<Condition> all_of;
};

struct StageRuleSpec {
  kaiku::v1::Stage stage = kaiku::v1::STAGE_UNSPECIFIED;
  std::vector<Condition> all_of;
};

// Level thresholds as logits (the score is 100 · sigmoid(logit)), indexed by
// kaiku::v1::Level; COLD's are -infinity.
struct LevelSpec {
  double enter_logit[5];
  double exit_logit[5];
  int64_t min_time_in_level_micros = 0;
  int64_t cooldown_micros = 0;
};

struct BotSpec {
  double click_decay_per_micro = 0;
  double max_click_burst = 12;
  double suspect_click_burst = 1.5;
  int zero_dwell_streak = 30;
  int64_t min_dwell_micros = 1000000;
};

class Model {
 public:
  // Validates (see ValidateModel; the first problem is the error, without line
  // numbers — model_loader.h adds them) and compiles.
  static absl::StatusOr<std::shared_ptr<const Model>> Compile(
      const kaiku::config::v1::ScoringModel& proto);

  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::string& version() const { return proto_.version(); }
  // Identifies the model's content (not only its version string); stored in
  // every visitor state, so state from another model is recomputed.
  uint32_t fingerprint() const { return fingerprint_; }
  const kaiku::config::v1::ScoringModel& proto() const { return proto_; }

  int64_t session_gap_micros() const { return session_gap_micros_; }
  int64_t max_inferred_dwell_micros() const {
    return max_inferred_dwell_micros_;
  }
  double bias() const { return proto_.bias(); }
  const std::vector<SignalSpec>& signals() const { return signals_; }
  const std::vector<TriggerSpec>& triggers() const { return triggers_; }
  const std::vector<DisqualifierSpec>& disqualifiers() const {
    return disqualifiers_;
  }
  const std::vector<SegmentRuleSpec>& segment_rules() const {
    return segment_rules_;
  }
  const std::vector<StageRuleSpec>& stage_rules() const { return stage_rules_; }
  const LevelSpec& levels() const { return levels_; }
  const BotSpec& bots() const { return bots_; }
  // The time zone of calendar days, hours and weekdays.
  const absl::TimeZone& time_zone() const { return time_zone_; }
  // How many time marks a visitor's state holds (SignalSpec::mark).
  int mark_count() const { return mark_count_; }
  // Whether a signal follows the most viewed URLs (AGGREGATE_MAX_PER_URL).
  bool counts_urls() const { return counts_urls_; }
  // Whether a signal counts every event (SIGNAL_SOURCE_EVENTS).
  bool counts_events() const { return counts_events_; }
  // Whether a signal's stored value is reset at every event (LAST_EVENT, and
  // SECONDS_SINCE, whose value lives in its mark).
  bool resets_per_event() const { return resets_per_event_; }
  // The calendar day (days since 1970-01-01 in time_zone) of `micros`.
  int64_t DayOf(int64_t micros) const;

  // The page type of the first URL rule matching `url`; PAGE_TYPE_OTHER when
  // none does.
  kaiku::v1::PageType ClassifyUrl(absl::string_view url) const;
  // A page view's page type: the event's own, else ClassifyUrl of its URL.
  kaiku::v1::PageType PageTypeOf(const kaiku::v1::PageView& page_view) const {
    return page_view.page_type() != kaiku::v1::PAGE_TYPE_UNSPECIFIED
               ? page_view.page_type()
               : ClassifyUrl(page_view.url());
  }

 private:
  Model() = default;

  kaiku::config::v1::ScoringModel proto_;
  uint32_t fingerprint_ = 0;
  int64_t session_gap_micros_ = 0;
  int64_t max_inferred_dwell_micros_ = 0;
  std::vector<SignalSpec> signals_;
  std::vector<TriggerSpec> triggers_;
  std::vector<DisqualifierSpec> disqualifiers_;
  std::vector<SegmentRuleSpec> segment_rules_;
  std::vector<StageRuleSpec> stage_rules_;
  LevelSpec levels_;
  BotSpec bots_;
  absl::TimeZone time_zone_;
  int mark_count_ = 0;
  bool counts_urls_ = false;
  bool counts_events_ = false;
  bool resets_per_event_ = false;
  std::unique_ptr<re2::RE2::Set> url_set_;
  std::vector<kaiku::v1::PageType> url_page_types_;
};

}  // namespace kaiku::scoring

#endif  // KAIKU_LIB_SCORING_MODEL_H_
