#include "lib/scoring/scorer.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "lib/common/fnv.h"

namespace kaiku::scoring {
namespace {

namespace cfg = ::kaiku::config::v1;
using ::google::protobuf::util::TimeUtil;
using ::kaiku::v1::Event;
using ::kaiku::v1::Level;
using ::kaiku::v1::ScoreEvent;

constexpr int64_t kMicrosPerSecond = 1000000;

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

int64_t FloorSeconds(int64_t micros) {
  return micros >= 0 ? micros / kMicrosPerSecond
                     : -((-micros + kMicrosPerSecond - 1) / kMicrosPerSecond);
}

const char* BotReasonText(BotReason reason) {
  switch (reason) {
    case BotReason::kClickBurst:
      return "bot: pages opened faster than a person reads";
    case BotReason::kZeroDwellStreak:
      return "bot: a long run of pages without dwell";
    case BotReason::kNone:
      break;
  }
  return "";
}

}  // namespace

bool Scorer::Holds(const std::vector<Condition>& all_of,
                   const VisitorState& s) const {
  for (const Condition& c : all_of) {
    // As of the last event, only seconds since is not the stored value.
    const double v =
        model_.signals()[c.signal].aggregate == cfg::AGGREGATE_SECONDS_SINCE
            ? SignalAt(s, c.signal, s.last_event)
            : s.signals[c.signal];
    if (!(v >= c.at_least && v < c.below)) return false;
  }
  return true;
}

VisitorState Scorer::NewState() const {
  VisitorState s;
  s.model_fingerprint = model_.fingerprint();
  s.signals.assign(model_.signals().size(), 0.0f);
  s.triggers.resize(model_.triggers().size());
  s.marks.assign(model_.mark_count(), 0);
  return s;
}

bool Scorer::Compatible(const VisitorState& state) const {
  return state.model_fingerprint == model_.fingerprint() &&
         state.signals.size() == model_.signals().size() &&
         state.triggers.size() == model_.triggers().size() &&
         state.marks.size() == static_cast<size_t>(model_.mark_count()) &&
         state.disqualifier < static_cast<int>(model_.disqualifiers().size());
}

bool Scorer::CanAppend(const VisitorState& state, int64_t event_time) const {
  if (state.event_count == 0) return true;
  return Compatible(state) && event_time > state.last_event;
}

double Scorer::LogitAt(const VisitorState& s, int64_t t) const {
  double logit = model_.bias();
  const auto& specs = model_.signals();
  for (size_t i = 0; i < specs.size(); ++i) {
    const double v = SignalAt(s, static_cast<int>(i), t);
    if (v != 0) logit += specs[i].Contribution(v);
  }
  return logit;
}

bool Scorer::Suspect(const VisitorState& s, int64_t t) const {
  const BotSpec& bots = model_.bots();
  double bucket = s.click_bucket;
  if (t > s.last_event && bots.click_decay_per_micro > 0)
    bucket *= std::exp(-bots.click_decay_per_micro *
                       static_cast<double>(t - s.last_event));
  return bucket >= bots.suspect_click_burst;
}

Level Scorer::TargetLevel(const VisitorState& s, double logit,
                          int64_t t) const {
  const LevelSpec& levels = model_.levels();
  const int current = s.level;
  if (s.last_drop == 0 || t - s.last_drop >= levels.cooldown_micros) {
    for (int k = kaiku::v1::LEVEL_SALES_READY; k > current; --k) {
      if (logit >= levels.enter_logit[k]) return static_cast<Level>(k);
    }
  }
  if (current > kaiku::v1::LEVEL_COLD && logit < levels.exit_logit[current] &&
      t - s.level_since >= levels.min_time_in_level_micros) {
    for (int j = current - 1; j > kaiku::v1::LEVEL_COLD; --j) {
      if (logit >= levels.exit_logit[j]) return static_cast<Level>(j);
    }
    return kaiku::v1::LEVEL_COLD;
  }
  return s.level;
}

std::optional<int64_t> Scorer::FirstLevelChange(const VisitorState& s,
                                                int64_t after,
                                                int64_t before) const {
  const int64_t lo = FloorSeconds(after) + 1;
  const int64_t hi = FloorSeconds(before - 1);
  if (lo > hi) return std::nullopt;
  int budget = 4096;
  return Search(s, lo, hi, budget);
}

// Branch and bound over whole seconds [lo_s, hi_s]. Each signal's value moves
// monotonically between events (decays toward 0, drops to 0 at midnight, or
// grows as seconds since), so each contribution lies within its range over the
// values at the two ends of an interval; the sums of those bounds say whether
// the rule can hold anywhere inside.
std::optional<int64_t> Scorer::Search(const VisitorState& s, int64_t lo_s,
                                      int64_t hi_s, int& budget) const {
  if (lo_s > hi_s || --budget < 0) return std::nullopt;
  const int64_t lo = lo_s * kMicrosPerSecond;
  const int64_t hi = hi_s * kMicrosPerSecond;
  if (lo_s == hi_s) {
    return TargetLevel(s, LogitAt(s, lo), lo) != s.level
               ? std::optional<int64_t>(lo)
               : std::nullopt;
  }
  double upper = model_.bias();
  double lower = model_.bias();
  const auto& specs = model_.signals();
  for (size_t i = 0; i < specs.size(); ++i) {
    // A stored 0 stays 0 between events, except seconds since (its mark).
    if (s.signals[i] == 0 && specs[i].aggregate != cfg::AGGREGATE_SECONDS_SINCE)
      continue;
    const double a = SignalAt(s, static_cast<int>(i), lo);
    const double b = SignalAt(s, static_cast<int>(i), hi);
    const auto [least, greatest] = specs[i].ContributionRange(a, b);
    upper += greatest;
    lower += least;
  }
  const LevelSpec& levels = model_.levels();
  const int current = s.level;
  bool possible = false;
  if (current < kaiku::v1::LEVEL_SALES_READY &&
      upper >= levels.enter_logit[current + 1] &&
      (s.last_drop == 0 || hi - s.last_drop >= levels.cooldown_micros)) {
    possible = true;
  }
  if (current > kaiku::v1::LEVEL_COLD && lower < levels.exit_logit[current] &&
      hi - s.level_since >= levels.min_time_in_level_micros) {
    possible = true;
  }
  if (!possible) return std::nullopt;
  const int64_t mid = lo_s + (hi_s - lo_s) / 2;
  std::optional<int64_t> first = Search(s, lo_s, mid, budget);
  if (first.has_value()) return first;
  return Search(s, mid + 1, hi_s, budget);
}

void Scorer::SetLevel(VisitorState& s, Level level, int64_t t) const {
  if (level == s.level) return;
  if (level < s.level) s.last_drop = t;
  s.level = level;
  s.level_since = t;
}

void Scorer::AdvanceLevel(VisitorState& s, int64_t before,
                          std::vector<ScoreEvent>* out) const {
  int64_t from = s.last_event;
  for (int i = 0; i < 8; ++i) {
    std::optional<int64_t> at = FirstLevelChange(s, from, before);
    if (!at.has_value()) return;
    SetLevel(s, TargetLevel(s, LogitAt(s, *at), *at), *at);
    // A change at or before the published view's time is not news: that view
    // already covers it, or supersedes it (a late event changed the past).
    if (out != nullptr && *at > s.published.as_of) Publish(s, *at, 0, out);
    from = *at;
  }
}

void Scorer::EvaluateRules(VisitorState& s) const {
  s.segment = kaiku::v1::SEGMENT_INFORMATION_SEEKER;
  for (const SegmentRuleSpec& rule : model_.segment_rules()) {
    if (Holds(rule.all_of, s)) {
      s.segment = rule.segment;
      break;
    }
  }
  s.stage = kaiku::v1::STAGE_AWARENESS;
  for (const StageRuleSpec& rule : model_.stage_rules()) {
    if (Holds(rule.all_of, s)) {
      s.stage = rule.stage;
      break;
    }
  }
  s.disqualifier = -1;
  const auto& disqualifiers = model_.disqualifiers();
  for (size_t i = 0; i < disqualifiers.size(); ++i) {
    if (Holds(disqualifiers[i].all_of, s)) {
      s.disqualifier = static_cast<int>(i);
      break;
    }
  }
}

void Scorer::Apply(const Event& event, VisitorState& s,
                   std::vector<ScoreEvent>* out) const {
  const int64_t t = TimeUtil::TimestampToMicroseconds(event.occurred_at());
  // A late event is folded without publishing at its time (the stream's time
  // rule); its changes go out with the next published view.
  const bool late = out != nullptr && t < s.published.as_of;
  if (late) out = nullptr;
  const bool first = s.event_count == 0;
  if (first) {
    Published published = s.published;
    s = NewState();
    s.published = published;
    s.first_seen = t;
    s.last_event = t;
    s.level_since = t;
  } else {
    AdvanceLevel(s, t, out);
  }

  const auto& specs = model_.signals();
  const auto& triggers = model_.triggers();
  const int64_t dt = t - s.last_event;
  double values[kMaxSignals];
  for (size_t i = 0; i < specs.size(); ++i)
    values[i] = SignalAt(s, static_cast<int>(i), t);
  double bucket = s.click_bucket;
  if (dt > 0 && model_.bots().click_decay_per_micro > 0)
    bucket *= std::exp(-model_.bots().click_decay_per_micro *
                       static_cast<double>(dt));

  // (TODAY's and SESSION's values are already 0 on a new day or session:
  // SignalAt.)
  for (size_t i = 0; model_.resets_per_event() && i < specs.size(); ++i) {
    if (specs[i].aggregate == cfg::AGGREGATE_LAST_EVENT ||
        specs[i].aggregate == cfg::AGGREGATE_SECONDS_SINCE)
      values[i] = 0;  // the latter lives in its mark
  }
  const uint32_t url_hash =
      event.has_page_view() ? Fnv1a32(event.page_view().url()) : 0;

  uint32_t counted = 0;  // triggers whose signal counted this event
  auto add = [&](cfg::SignalSource source, int filter_value, double amount) {
    for (size_t i = 0; i < specs.size(); ++i) {
      const SignalSpec& spec = specs[i];
      if (spec.source != source) continue;
      if (filter_value >= 0 && (spec.filter >> filter_value & 1u) == 0)
        continue;
      Count(s, static_cast<int>(i), amount, t, url_hash, values);
      if (source == cfg::SIGNAL_SOURCE_ENGAGED_SECONDS) continue;
      for (size_t k = 0; k < triggers.size(); ++k) {
        if (triggers[k].signal != static_cast<int>(i)) continue;
        std::vector<int64_t>& recent = s.triggers[k].recent;
        recent.push_back(t);
        if (recent.size() > static_cast<size_t>(triggers[k].count))
          recent.erase(recent.begin());
        counted |= 1u << k;
      }
    }
  };
  auto add_dwell = [&](kaiku::v1::PageType page_type, int64_t micros) {
    if (micros > 0)
      add(cfg::SIGNAL_SOURCE_ENGAGED_SECONDS, page_type,
          static_cast<double>(micros) / kMicrosPerSecond);
  };

  if (first || dt > model_.session_gap_micros()) {
    ++s.session_count;
    s.page_time = 0;
    s.zero_dwell_streak = 0;
    add(cfg::SIGNAL_SOURCE_SESSIONS, -1, 1);
  }
  if (model_.counts_events()) add(cfg::SIGNAL_SOURCE_EVENTS, -1, 1);
  ++s.event_count;
  s.last_event = t;

  const BotSpec& bots = model_.bots();
  switch (event.kind_case()) {
    case Event::kPageView: {
      const kaiku::v1::PageView& pv = event.page_view();
      const kaiku::v1::PageType page_type = model_.PageTypeOf(pv);
      if (s.page_time != 0) {
        const int64_t gap = t - s.page_time;
        if (!s.page_engaged)
          add_dwell(s.page_type,
                    std::min(gap, model_.max_inferred_dwell_micros()));
        s.zero_dwell_streak =
            gap < bots.min_dwell_micros ? s.zero_dwell_streak + 1 : 0;
      }
      bucket += 1;
      if (!s.is_bot() && bucket >= bots.max_click_burst)
        s.bot = BotReason::kClickBurst;
      if (!s.is_bot() && s.zero_dwell_streak + 1 >= bots.zero_dwell_streak)
        s.bot = BotReason::kZeroDwellStreak;
      add(cfg::SIGNAL_SOURCE_PAGE_VIEWS, page_type, 1);
      if (pv.page_value() > 0)
        add(cfg::SIGNAL_SOURCE_PAGE_VALUE, page_type, pv.page_value());
      if (page_type == kaiku::v1::PAGE_TYPE_PRICING)
        add(cfg::SIGNAL_SOURCE_PRICE_LIST_VIEWS, -1, 1);
      s.page_time = t;
      s.page_type = page_type;
      s.page_engaged = false;
      s.page_url_hash = url_hash;
      break;
    }
    case Event::kEngagement: {
      const kaiku::v1::Engagement& e = event.engagement();
      const int64_t micros = TimeUtil::DurationToMicroseconds(e.engaged_time());
      const bool same_page =
          s.page_time != 0 && Fnv1a32(e.url()) == s.page_url_hash;
      if (same_page) s.page_engaged = true;
      if (micros >= bots.min_dwell_micros) s.zero_dwell_streak = 0;
      add_dwell(same_page ? s.page_type : model_.ClassifyUrl(e.url()), micros);
      break;
    }
    case Event::kPriceListView:
      add(cfg::SIGNAL_SOURCE_PRICE_LIST_VIEWS, -1, 1);
      break;
    case Event::kDownload:
      add(cfg::SIGNAL_SOURCE_DOWNLOADS, event.download().asset_kind(), 1);
      break;
    case Event::kChat:
      add(cfg::SIGNAL_SOURCE_CHATS, event.chat().intent(), 1);
      break;
    case Event::kFormSubmit:
      add(cfg::SIGNAL_SOURCE_FORM_SUBMITS, event.form_submit().form_kind(), 1);
      break;
    case Event::kIdentify:
      add(cfg::SIGNAL_SOURCE_IDENTIFIES, -1, 1);
      break;
    case Event::kConversion:
      add(cfg::SIGNAL_SOURCE_CONVERSIONS, -1, 1);
      break;
    case Event::KIND_NOT_SET:
      break;
  }

  for (size_t i = 0; i < specs.size(); ++i)
    s.signals[i] = static_cast<float>(values[i]);  // 0 for SECONDS_SINCE
  s.click_bucket = static_cast<float>(bucket);

  SetLevel(s, TargetLevel(s, LogitAt(s, t), t), t);
  EvaluateRules(s);

  uint32_t fired = 0;
  for (size_t k = 0; k < triggers.size(); ++k) {
    if ((counted >> k & 1u) == 0) continue;
    const TriggerSpec& spec = triggers[k];
    TriggerState& state = s.triggers[k];
    if (state.recent.size() < static_cast<size_t>(spec.count)) continue;
    if (t - state.recent.front() > spec.window_micros) continue;
    if (state.last_fired != 0 && t - state.last_fired < spec.window_micros)
      continue;
    state.last_fired = t;
    fired |= 1u << k;
  }
  if (late) {
    s.published.pending_triggers |= StillNews(s, fired);
  } else if (out != nullptr) {
    Publish(s, t, fired, out);
  }
}

uint32_t Scorer::StillNews(const VisitorState& s, uint32_t fired) const {
  uint32_t news = 0;
  for (size_t k = 0; k < s.triggers.size(); ++k) {
    if ((fired >> k & 1u) == 0) continue;
    if (s.published.as_of - s.triggers[k].last_fired <
        model_.triggers()[k].window_micros)
      news |= 1u << k;
  }
  return news;
}

void Scorer::Tick(VisitorState& state, int64_t now,
                  std::vector<ScoreEvent>* out) const {
  if (state.event_count == 0 || state.is_bot() || !Compatible(state)) return;
  VisitorState advanced = state;
  AdvanceLevel(advanced, now + 1, out);
  if (now >= advanced.last_event) Publish(advanced, now, 0, out);
  state.published = advanced.published;
}

void Scorer::PublishRecomputed(const VisitorState& before, VisitorState& state,
                               int64_t at, std::vector<ScoreEvent>* out) const {
  state.published = before.published;
  if (state.published.disqualifier >=
      static_cast<int>(model_.disqualifiers().size()))
    state.published.disqualifier = -1;
  uint32_t fired = 0;
  if (Compatible(before)) {
    for (size_t k = 0; k < state.triggers.size(); ++k) {
      if (state.triggers[k].last_fired > before.triggers[k].last_fired)
        fired |= 1u << k;
    }
  } else {
    state.published.pending_triggers = 0;
  }
  if (out == nullptr) return;
  if (at < state.published.as_of) {
    // Only late events: the next published view (Tick) carries the change.
    state.published.pending_triggers |= StillNews(state, fired);
    return;
  }
  Publish(state, std::max(at, state.last_event), fired, out);
}

std::optional<int64_t> Scorer::NextWakeUp(const VisitorState& state,
                                          int64_t now) const {
  if (state.event_count == 0 || state.is_bot()) return std::nullopt;
  VisitorState advanced = state;
  AdvanceLevel(advanced, now + 1, nullptr);
  std::optional<int64_t> wake;
  if (ViewDiffers(advanced) || advanced.published.pending_triggers != 0) {
    const int64_t from = std::max(now, advanced.last_event);
    if (!Suspect(advanced, from)) {
      wake = from;
    } else if (model_.bots().click_decay_per_micro > 0) {
      // The bucket drains below the suspicion threshold at last_event +
      // ln(bucket / threshold) / rate.
      const double drain =
          std::log(advanced.click_bucket / model_.bots().suspect_click_burst) /
          model_.bots().click_decay_per_micro;
      wake = (FloorSeconds(advanced.last_event + static_cast<int64_t>(drain)) +
              1) *
             kMicrosPerSecond;
    }
  }
  std::optional<int64_t> change = FirstLevelChange(
      advanced, std::max(now, advanced.last_event), now + kWakeUpHorizonMicros);
  if (change.has_value() && (!wake.has_value() || *change < *wake))
    wake = change;
  return wake;
}

Scorer::View Scorer::Evaluate(const VisitorState& state, int64_t at) const {
  VisitorState advanced = state;
  AdvanceLevel(advanced, at + 1, nullptr);
  View view;
  view.score = 100.0 * Sigmoid(LogitAt(advanced, at));
  view.level = advanced.disqualifier >= 0 || advanced.is_bot()
                   ? kaiku::v1::LEVEL_COLD
                   : advanced.level;
  view.segment = advanced.segment;
  view.stage = advanced.stage;
  return view;
}

std::vector<double> Scorer::Features(const VisitorState& state,
                                     int64_t at) const {
  const auto& specs = model_.signals();
  std::vector<double> features(specs.size());
  for (size_t i = 0; i < specs.size(); ++i)
    features[i] = specs[i].Feature(SignalAt(state, static_cast<int>(i), at));
  return features;
}

void Scorer::Explain(const VisitorState& s, int64_t at,
                     kaiku::v1::Explanation* out) const {
  const auto& specs = model_.signals();
  std::vector<std::pair<double, int>> order;
  for (size_t i = 0; i < specs.size(); ++i) {
    const double v = SignalAt(s, static_cast<int>(i), at);
    if (v == 0) continue;
    order.emplace_back(specs[i].Contribution(v), static_cast<int>(i));
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) {
                     return std::abs(a.first) > std::abs(b.first);
                   });
  for (const auto& [contribution, i] : order) {
    kaiku::v1::Contribution* c = out->add_contributions();
    c->set_signal(specs[i].name);
    const double value = SignalAt(s, i, at);
    // "Never" (seconds since nothing) reads as its cap, which f gives it.
    c->set_value(std::isinf(value) ? specs[i].cap : value);
    c->set_contribution(contribution);
  }
  if (s.disqualifier >= 0 &&
      s.disqualifier < static_cast<int>(model_.disqualifiers().size()))
    out->add_reasons(model_.disqualifiers()[s.disqualifier].reason);
  if (s.is_bot()) out->add_reasons(BotReasonText(s.bot));
}

bool Scorer::SameDisqualifier(int a, int b) const {
  const auto& d = model_.disqualifiers();
  const int n = static_cast<int>(d.size());
  return a == b || (a < n && b < n && d[a].name == d[b].name);
}

bool Scorer::ViewDiffers(const VisitorState& s) const {
  const Published& p = s.published;
  if (s.disqualifier >= 0 && p.disqualifier >= 0)
    return !SameDisqualifier(s.disqualifier, p.disqualifier);
  if (s.disqualifier != p.disqualifier) return true;
  if (s.disqualifier >= 0) return false;
  return s.level != p.level || s.segment != p.segment || s.stage != p.stage;
}

ScoreEvent& Scorer::NewScoreEvent(kaiku::v1::ScoreEventKind kind,
                                  const VisitorState& s, int64_t t,
                                  std::vector<ScoreEvent>* out) const {
  ScoreEvent& e = out->emplace_back();
  e.set_kind(kind);
  e.set_score(100.0 * Sigmoid(LogitAt(s, t)));
  e.set_level(s.disqualifier >= 0 ? kaiku::v1::LEVEL_COLD : s.level);
  e.set_segment(s.segment);
  e.set_stage(s.stage);
  e.set_model_version(model_.version());
  *e.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(t);
  Explain(s, t, e.mutable_explanation());
  return e;
}

void Scorer::Publish(VisitorState& s, int64_t t, uint32_t fired,
                     std::vector<ScoreEvent>* out) const {
  if (out == nullptr) return;  // nobody to tell: `published` stays as it is
  Published& p = s.published;
  // The stream's time rule: never before what was already published.
  t = std::max(t, p.as_of);
  p.as_of = t;
  if (s.is_bot()) {
    p.pending_triggers = 0;
    return;
  }
  p.pending_triggers |= fired;
  if (Suspect(s, t)) return;
  if (s.disqualifier >= 0 && p.disqualifier >= 0 &&
      SameDisqualifier(s.disqualifier, p.disqualifier)) {
    p.disqualifier = s.disqualifier;  // another rule of the same name
  }
  if (s.disqualifier != p.disqualifier) {
    if (s.disqualifier >= 0) {
      ScoreEvent& e =
          NewScoreEvent(kaiku::v1::SCORE_EVENT_KIND_DISQUALIFIED, s, t, out);
      e.set_previous_level(p.level);
      p.disqualifier = s.disqualifier;
      p.level = kaiku::v1::LEVEL_COLD;
      p.pending_triggers = 0;
      return;
    }
    p.disqualifier = -1;
  }
  if (s.disqualifier >= 0) {
    p.pending_triggers = 0;
    return;
  }
  if (s.level != p.level) {
    ScoreEvent& e =
        NewScoreEvent(kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED, s, t, out);
    e.set_previous_level(p.level);
    p.level = s.level;
  }
  if (s.stage != p.stage) {
    NewScoreEvent(kaiku::v1::SCORE_EVENT_KIND_STAGE_CHANGED, s, t, out);
    p.stage = s.stage;
  }
  if (s.segment != p.segment) {
    NewScoreEvent(kaiku::v1::SCORE_EVENT_KIND_SEGMENT_CHANGED, s, t, out);
    p.segment = s.segment;
  }
  for (size_t k = 0; k < s.triggers.size(); ++k) {
    if ((p.pending_triggers >> k & 1u) == 0) continue;
    // Published when it fired, or later (held back while the visitor was
    // suspect, or fired by a late event): never back in time.
    ScoreEvent& e =
        NewScoreEvent(kaiku::v1::SCORE_EVENT_KIND_TRIGGER_FIRED, s, t, out);
    e.set_trigger(model_.triggers()[k].name);
  }
  p.pending_triggers = 0;
}

}  // namespace kaiku::scoring
