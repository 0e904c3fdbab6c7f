// One visitor's scoring state, and its compact encoding (what is cached in
// memory and stored in RocksDB next to the timeline).
//
// The state has two parts:
//  - the fold: everything Scorer::Apply computes from the visitor's events in
//    event-time order. It is a function of the model and the events only;
//    replaying the timeline rebuilds it bit for bit.
//  - `published`: what the score stream was last told about the visitor. Score
//    events are the differences between the fold's view and `published`, so a
//    recomputation (a late event, a new model) or a decay timer never repeats
//    an event and never loses one.
//
// Times are Unix microseconds of event time. Signal values are floats as of
// `last_event`; they are rounded to float after every step, so a state that was
// encoded and decoded between two events continues exactly like one that was
// not.
#ifndef KAIKU_LIB_SCORING_VISITOR_STATE_H_
#define KAIKU_LIB_SCORING_VISITOR_STATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kaiku/v1/event.pb.h"
#include "kaiku/v1/scores.pb.h"

namespace kaiku::scoring {

struct TriggerState {
  // When it last fired; 0: never.
  int64_t last_fired = 0;
  // Event times of the last `count` events its signal counted, oldest first.
  std::vector<int64_t> recent;

  bool operator==(const TriggerState&) const = default;
};

// What the score stream was last told.
struct Published {
  kaiku::v1::Level level = kaiku::v1::LEVEL_COLD;
  kaiku::v1::Segment segment = kaiku::v1::SEGMENT_INFORMATION_SEEKER;
  kaiku::v1::Stage stage = kaiku::v1::STAGE_AWARENESS;
  // Index into Model::disqualifiers(); -1: not disqualified.
  int disqualifier = -1;
  // Triggers that fired while the visitor was suspect, or in late events
  // (bit i: trigger i); sent with the next published view, dropped if the
  // visitor turns out to be a bot.
  uint32_t pending_triggers = 0;
  // The time as of which the stream was last told the view (Unix
  // microseconds; 0: never). The stream's time rule: no score event of the
  // visitor is ever published with an earlier occurred_at, and an event older
  // than this is late — it changes the fold, but what it changes is published
  // as of a later moment, once.
  int64_t as_of = 0;

  bool operator==(const Published&) const = default;
};

// How often the visitor viewed one URL (AGGREGATE_MAX_PER_URL).
struct UrlCount {
  uint32_t url_hash = 0;
  uint32_t count = 0;

  bool operator==(const UrlCount&) const = default;
};

enum class BotReason : uint8_t {
  kNone = 0,  // stored values: do not change
  kClickBurst = 1,
  kZeroDwellStreak = 2,
};

struct VisitorState {
  // Model::fingerprint() of the model that computed the fold.
  uint32_t model_fingerprint = 0;

  int64_t event_count = 0;
  int64_t session_count = 0;
  int64_t first_seen = 0;
  // Time of the last folded event; the signals are as of this time.
  int64_t last_event = 0;

  // The last page view of the current session, whose dwell is not known until
  // the next page view (0: none).
  int64_t page_time = 0;
  kaiku::v1::PageType page_type = kaiku::v1::PAGE_TYPE_UNSPECIFIED;
  bool page_engaged = false;
  uint32_t page_url_hash = 0;

  // Bot detection: page views in a leaky bucket (as of last_event), and page
  // views in a row with less than the minimum dwell.
  float click_bucket = 0;
  int32_t zero_dwell_streak = 0;
  BotReason bot = BotReason::kNone;

  // Level with hysteresis, as of last_event.
  kaiku::v1::Level level = kaiku::v1::LEVEL_COLD;
  int64_t level_since = 0;
  // When the level last dropped (0: never); rising again waits for the
  // cooldown.
  int64_t last_drop = 0;

  kaiku::v1::Segment segment = kaiku::v1::SEGMENT_INFORMATION_SEEKER;
  kaiku::v1::Stage stage = kaiku::v1::STAGE_AWARENESS;
  // Index into Model::disqualifiers(); -1: none holds.
  int disqualifier = -1;

  // One per Model::signals(), as of last_event.
  std::vector<float> signals;
  // One per Model::triggers().
  std::vector<TriggerState> triggers;
  // One per Model::mark_count(): the time of the last event a signal with a
  // mark counted (SignalSpec::mark); 0: none yet.
  std::vector<int64_t> marks;
  // With Model::counts_urls(): the most viewed URLs, at most kTopUrls, kept by
  // the space-saving rule (a new URL replaces the least counted one and
  // inherits its count, so a count is never under the truth).
  std::vector<UrlCount> top_urls;

  Published published;

  bool is_bot() const { return bot != BotReason::kNone; }
  bool operator==(const VisitorState&) const = default;
};

// The stored form (format version 3, documented in visitor_state.cc; 1 and 2
// are read too). Typical size: 40-120 bytes; each time mark adds 1-9 bytes
// (usually 4-6), the URL counts 5-6 bytes per URL (at most 4).
std::string EncodeVisitorState(const VisitorState& state);
// DATA_LOSS when `bytes` is not a state this code wrote.
absl::StatusOr<VisitorState> DecodeVisitorState(absl::string_view bytes);

}  // namespace kaiku::scoring

#endif  // KAIKU_LIB_SCORING_VISITOR_STATE_H_
