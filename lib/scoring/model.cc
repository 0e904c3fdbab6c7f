#include "lib/scoring/model.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "lib/common/fnv.h"
#include "re2/re2.h"
#include "re2/set.h"

namespace kaiku::scoring {
namespace {

namespace cfg = ::kaiku::config::v1;
using ::google::protobuf::Duration;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kMicrosPerSecond = 1000000;

int64_t Micros(const Duration& d) {
  return d.seconds() * kMicrosPerSecond + d.nanos() / 1000;
}

int64_t MicrosOr(bool has, const Duration& d, int64_t fallback) {
  return has ? Micros(d) : fallback;
}

bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > 48) return false;
  if (name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

// Well-formed UTF-8 (text files may hold any bytes; what reaches score events
// and JSON must be text).
bool ValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80           ? 0
            : (c >> 5) == 0x6  ? 1
            : (c >> 4) == 0xe  ? 2
            : (c >> 3) == 0x1e ? 3
                               : -1;
    if (n < 0 || (n == 1 && c < 0xc2) || i + n >= s.size() + (n == 0 ? 1 : 0))
      return false;
    for (int k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += static_cast<size_t>(n) + 1;
  }
  return true;
}

double Logit(double score) {
  const double p = score / 100.0;
  return std::log(p / (1.0 - p));
}

// The piecewise-linear curve through (x, y) at `v`, flat beyond the ends.
double Interpolate(const std::vector<double>& x, const std::vector<double>& y,
                   double v) {
  if (v <= x.front()) return y.front();
  if (v >= x.back()) return y.back();
  const size_t k =
      static_cast<size_t>(std::upper_bound(x.begin(), x.end(), v) - x.begin());
  const double w = (v - x[k - 1]) / (x[k] - x[k - 1]);
  return y[k - 1] + w * (y[k] - y[k - 1]);
}

// Collects problems with their field paths.
class Checker {
 public:
  void Add(std::string field, std::string what) {
    problems_.push_back({std::move(field), std::move(what)});
  }
  std::vector<ModelProblem> Take() { return std::move(problems_); }

 private:
  std::vector<ModelProblem> problems_;
};

void CheckConditions(
    const google::protobuf::RepeatedPtrField<cfg::Condition>& conditions,
    const std::string& field,
    const absl::flat_hash_map<std::string, int>& signals, Checker& check) {
  if (conditions.empty()) check.Add(field, "needs at least one condition");
  for (int i = 0; i < conditions.size(); ++i) {
    const cfg::Condition& c = conditions[i];
    const std::string at = absl::StrCat(field, "[", i, "]");
    if (!signals.contains(c.signal())) {
      check.Add(at + ".signal",
                absl::StrCat("no signal named \"", c.signal(), "\""));
    }
    if (!c.has_at_least() && !c.has_below()) {
      check.Add(at, "needs at_least or below");
    }
    if (c.has_at_least() && !std::isfinite(c.at_least()))
      check.Add(at + ".at_least", "must be a finite number");
    if (c.has_below() && !std::isfinite(c.below()))
      check.Add(at + ".below", "must be a finite number");
    if (c.has_at_least() && c.has_below() && c.at_least() >= c.below())
      check.Add(at, "at_least must be less than below");
  }
}

// Which filter a source accepts, by field name; "" for none.
absl::string_view FilterOf(cfg::SignalSource source) {
  switch (source) {
    case cfg::SIGNAL_SOURCE_PAGE_VIEWS:
    case cfg::SIGNAL_SOURCE_ENGAGED_SECONDS:
    case cfg::SIGNAL_SOURCE_PAGE_VALUE:
      return "page_types";
    case cfg::SIGNAL_SOURCE_DOWNLOADS:
      return "asset_kinds";
    case cfg::SIGNAL_SOURCE_CHATS:
      return "chat_intents";
    case cfg::SIGNAL_SOURCE_FORM_SUBMITS:
      return "form_kinds";
    default:
      return "";
  }
}

void CheckBand(const cfg::LevelBand& band, const std::string& field,
               Checker& check) {
  if (!(band.enter() > 0 && band.enter() < 100))
    check.Add(field + ".enter", "must be in (0, 100)");
  if (!(band.exit() > 0 && band.exit() <= band.enter()))
    check.Add(field + ".exit", "must be in (0, enter]");
}

// The checks of one signal on its own (names are checked by the caller).
void CheckSignal(const cfg::Signal& s, const std::string& at, Checker& check) {
  if (!ValidUtf8(s.note())) check.Add(at + ".note", "must be UTF-8");
  if (s.source() == cfg::SIGNAL_SOURCE_UNSPECIFIED)
    check.Add(at + ".source", "must be set");
  const absl::string_view filter = FilterOf(s.source());
  if (!s.page_types().empty() && filter != "page_types")
    check.Add(at + ".page_types", "this source has no page type");
  if (!s.asset_kinds().empty() && filter != "asset_kinds")
    check.Add(at + ".asset_kinds", "this source has no asset kind");
  if (!s.chat_intents().empty() && filter != "chat_intents")
    check.Add(at + ".chat_intents", "this source has no chat intent");
  if (!s.form_kinds().empty() && filter != "form_kinds")
    check.Add(at + ".form_kinds", "this source has no form kind");
  const int64_t half_life = Micros(s.half_life());
  if (half_life < 0 || (half_life > 0 && half_life < kMicrosPerSecond))
    check.Add(at + ".half_life", "must be 0 (no decay) or at least 1 s");
  if (!std::isfinite(s.weight()))
    check.Add(at + ".weight", "must be a finite number");
  if (!std::isfinite(s.cap()) || s.cap() < 0)
    check.Add(at + ".cap", "must be 0 (none) or positive");
  const cfg::Aggregate aggregate = s.aggregate();
  if (!cfg::Aggregate_IsValid(aggregate))
    check.Add(at + ".aggregate", "unknown aggregate");
  if (half_life != 0 && aggregate != cfg::AGGREGATE_UNSPECIFIED &&
      aggregate != cfg::AGGREGATE_SUM)
    check.Add(at + ".half_life", "only a SUM decays");
  if (aggregate == cfg::AGGREGATE_SECONDS_SINCE && !(s.cap() > 0))
    check.Add(at + ".cap",
              "SECONDS_SINCE needs a cap (the value of \"never\")");
  if (aggregate == cfg::AGGREGATE_MAX_PER_URL &&
      s.source() != cfg::SIGNAL_SOURCE_PAGE_VIEWS)
    check.Add(at + ".source", "MAX_PER_URL counts page views only");
  if (!s.has_shape()) return;
  const cfg::Shape& shape = s.shape();
  if (s.weight() != 0) check.Add(at + ".weight", "must be 0 with a shape");
  if (shape.x_size() < 2 || shape.x_size() > kMaxShapeKnots ||
      shape.y_size() != shape.x_size()) {
    check.Add(at + ".shape", absl::StrCat("needs 2..", kMaxShapeKnots,
                                          " knots, as many y as x"));
    return;
  }
  for (int k = 0; k < shape.x_size(); ++k) {
    if (!std::isfinite(shape.x(k)) || !std::isfinite(shape.y(k))) {
      check.Add(absl::StrCat(at, ".shape"), "knots must be finite numbers");
      return;
    }
    if (k > 0 && !(shape.x(k) > shape.x(k - 1))) {
      check.Add(absl::StrCat(at, ".shape.x[", k, "]"),
                "must be greater than the one before");
      return;
    }
  }
  const double at_zero = Interpolate({shape.x().begin(), shape.x().end()},
                                     {shape.y().begin(), shape.y().end()}, 0.0);
  if (std::abs(at_zero) > 1e-9)
    check.Add(at + ".shape", "must be 0 at f = 0 (put the constant into bias)");
}

uint32_t Fingerprint(const cfg::ScoringModel& proto) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    proto.SerializeToCodedStream(&coded);
  }
  const uint64_t h = Fnv1a64(bytes);
  return static_cast<uint32_t>(h ^ (h >> 32));
}

template <typename Repeated>
uint32_t FilterMask(const Repeated& values) {
  if (values.empty()) return ~uint32_t{0};
  uint32_t mask = 0;
  for (int v : values) mask |= uint32_t{1} << v;
  return mask;
}

std::vector<Condition> CompileConditions(
    const google::protobuf::RepeatedPtrField<cfg::Condition>& conditions,
    const absl::flat_hash_map<std::string, int>& signals) {
  std::vector<Condition> out;
  for (const cfg::Condition& c : conditions) {
    Condition condition;
    condition.signal = signals.at(c.signal());
    if (c.has_at_least()) condition.at_least = c.at_least();
    if (c.has_below()) condition.below = c.below();
    out.push_back(condition);
  }
  return out;
}

}  // namespace

std::vector<ModelProblem> ValidateModel(const cfg::ScoringModel& m) {
  Checker check;
  if (m.version().empty() || m.version().size() > 64 || !ValidUtf8(m.version()))
    check.Add("version", "must be 1..64 characters of UTF-8");
  const int64_t gap = MicrosOr(m.has_session_gap(), m.session_gap(),
                               30 * 60 * kMicrosPerSecond);
  if (gap < 60 * kMicrosPerSecond || gap > 24 * 3600 * kMicrosPerSecond)
    check.Add("session_gap", "must be between 1 minute and 24 hours");
  const int64_t dwell =
      MicrosOr(m.has_max_inferred_dwell(), m.max_inferred_dwell(),
               10 * 60 * kMicrosPerSecond);
  if (dwell <= 0 || dwell > gap)
    check.Add("max_inferred_dwell", "must be positive and at most session_gap");

  if (m.url_rules_size() > kMaxRules)
    check.Add("url_rules", absl::StrCat("at most ", kMaxRules, " rules"));
  for (int i = 0; i < m.url_rules_size(); ++i) {
    const std::string at = absl::StrCat("url_rules[", i, "]");
    re2::RE2 re(m.url_rules(i).pattern(), re2::RE2::Quiet);
    if (!ValidUtf8(m.url_rules(i).pattern())) {
      check.Add(at + ".pattern", "must be UTF-8");
    } else if (m.url_rules(i).pattern().empty()) {
      check.Add(at + ".pattern", "must not be empty");
    } else if (!re.ok()) {
      check.Add(at + ".pattern",
                absl::StrCat("not a valid RE2 pattern: ", re.error()));
    }
    if (m.url_rules(i).page_type() == kaiku::v1::PAGE_TYPE_UNSPECIFIED)
      check.Add(at + ".page_type", "must be set");
  }

  absl::flat_hash_map<std::string, int> signals;
  if (m.signals_size() == 0 || m.signals_size() > kMaxSignals)
    check.Add("signals", absl::StrCat("needs 1..", kMaxSignals, " signals"));
  for (int i = 0; i < m.signals_size(); ++i) {
    const cfg::Signal& s = m.signals(i);
    const std::string at = absl::StrCat("signals[", i, "]");
    if (!ValidName(s.name())) {
      check.Add(at + ".name", "must match [a-z][a-z0-9_]*, at most 48");
    } else if (!signals.emplace(s.name(), i).second) {
      check.Add(at + ".name", absl::StrCat("\"", s.name(), "\" is repeated"));
    }
    CheckSignal(s, at, check);
  }
  int url_signals = 0;
  for (const cfg::Signal& s : m.signals())
    url_signals += s.aggregate() == cfg::AGGREGATE_MAX_PER_URL ? 1 : 0;
  if (url_signals > 1) check.Add("signals", "at most one MAX_PER_URL signal");
  if (!std::isfinite(m.bias())) check.Add("bias", "must be a finite number");
  absl::TimeZone zone;
  if (!m.time_zone().empty() && !absl::LoadTimeZone(m.time_zone(), &zone))
    check.Add("time_zone",
              absl::StrCat("unknown time zone \"", m.time_zone(),
                           "\" (an IANA name, e.g. Europe/Helsinki)"));

  if (!m.has_levels()) {
    check.Add("levels", "must be set");
  } else {
    const cfg::LevelThresholds& l = m.levels();
    CheckBand(l.warm(), "levels.warm", check);
    CheckBand(l.hot(), "levels.hot", check);
    CheckBand(l.sales_ready(), "levels.sales_ready", check);
    if (!(l.warm().enter() < l.hot().enter() &&
          l.hot().enter() < l.sales_ready().enter()))
      check.Add("levels",
                "enter thresholds must rise: warm < hot < sales_ready");
    if (!(l.warm().exit() < l.hot().exit() &&
          l.hot().exit() < l.sales_ready().exit()))
      check.Add("levels",
                "exit thresholds must rise: warm < hot < sales_ready");
    if (Micros(l.min_time_in_level()) < 0)
      check.Add("levels.min_time_in_level", "must not be negative");
    if (Micros(l.cooldown()) < 0)
      check.Add("levels.cooldown", "must not be negative");
  }

  for (int i = 0; i < m.segment_rules_size(); ++i) {
    const std::string at = absl::StrCat("segment_rules[", i, "]");
    if (m.segment_rules(i).segment() == kaiku::v1::SEGMENT_UNSPECIFIED)
      check.Add(at + ".segment", "must be set");
    CheckConditions(m.segment_rules(i).all_of(), at + ".all_of", signals,
                    check);
  }
  for (int i = 0; i < m.stage_rules_size(); ++i) {
    const std::string at = absl::StrCat("stage_rules[", i, "]");
    if (m.stage_rules(i).stage() == kaiku::v1::STAGE_UNSPECIFIED)
      check.Add(at + ".stage", "must be set");
    CheckConditions(m.stage_rules(i).all_of(), at + ".all_of", signals, check);
  }

  absl::flat_hash_map<std::string, int> trigger_names;
  if (m.triggers_size() > kMaxTriggers)
    check.Add("triggers", absl::StrCat("at most ", kMaxTriggers, " triggers"));
  for (int i = 0; i < m.triggers_size(); ++i) {
    const cfg::Trigger& t = m.triggers(i);
    const std::string at = absl::StrCat("triggers[", i, "]");
    if (!ValidName(t.name())) {
      check.Add(at + ".name", "must match [a-z][a-z0-9_]*, at most 48");
    } else if (!trigger_names.emplace(t.name(), i).second) {
      check.Add(at + ".name", absl::StrCat("\"", t.name(), "\" is repeated"));
    }
    auto signal = signals.find(t.signal());
    if (signal == signals.end()) {
      check.Add(at + ".signal",
                absl::StrCat("no signal named \"", t.signal(), "\""));
    } else if (m.signals(signal->second).source() ==
               cfg::SIGNAL_SOURCE_ENGAGED_SECONDS) {
      check.Add(at + ".signal",
                "must count events (engaged seconds are not a count)");
    }
    if (t.count() < 1 || t.count() > kMaxTriggerCount)
      check.Add(at + ".count", absl::StrCat("must be 1..", kMaxTriggerCount));
    if (Micros(t.window()) < kMicrosPerSecond)
      check.Add(at + ".window", "must be at least 1 s");
  }

  if (m.disqualifiers_size() > kMaxRules)
    check.Add("disqualifiers", absl::StrCat("at most ", kMaxRules, " rules"));
  for (int i = 0; i < m.disqualifiers_size(); ++i) {
    const cfg::Disqualifier& d = m.disqualifiers(i);
    const std::string at = absl::StrCat("disqualifiers[", i, "]");
    if (!ValidName(d.name()))
      check.Add(at + ".name", "must match [a-z][a-z0-9_]*, at most 48");
    if (d.reason().empty() || !ValidUtf8(d.reason()))
      check.Add(at + ".reason", "must be non-empty UTF-8");
    CheckConditions(d.all_of(), at + ".all_of", signals, check);
  }

  const cfg::BotRules& b = m.bots();
  if (Micros(b.click_half_life()) < 0)
    check.Add("bots.click_half_life", "must not be negative");
  if (b.max_click_burst() < 0 || !std::isfinite(b.max_click_burst()))
    check.Add("bots.max_click_burst", "must not be negative");
  if (b.suspect_click_burst() < 0 || !std::isfinite(b.suspect_click_burst()))
    check.Add("bots.suspect_click_burst", "must not be negative");
  if (b.zero_dwell_streak() < 0)
    check.Add("bots.zero_dwell_streak", "must not be negative");
  if (Micros(b.min_dwell()) < 0)
    check.Add("bots.min_dwell", "must not be negative");
  return check.Take();
}

double SignalSpec::Feature(double value) const {
  const double x = value < cap ? value : cap;
  return log1p ? std::log1p(x) : x;
}

double SignalSpec::Contribution(double value) const {
  if (shape_x.empty()) return weight * Feature(value);
  return Interpolate(shape_x, shape_y, Feature(value));
}

std::pair<double, double> SignalSpec::ContributionRange(double a,
                                                        double b) const {
  const double ca = Contribution(a);
  const double cb = Contribution(b);
  std::pair<double, double> range = std::minmax(ca, cb);
  if (shape_x.empty()) return range;  // monotone in the value
  // f is monotone too: the curve's extremes inside are at its knots.
  const auto [fa, fb] = std::minmax(Feature(a), Feature(b));
  for (size_t k = 0; k < shape_x.size(); ++k) {
    if (shape_x[k] <= fa || shape_x[k] >= fb) continue;
    range.first = std::min(range.first, shape_y[k]);
    range.second = std::max(range.second, shape_y[k]);
  }
  return range;
}

int64_t Model::DayOf(int64_t micros) const {
  return absl::ToCivilDay(absl::FromUnixMicros(micros), time_zone_) -
         absl::CivilDay(1970, 1, 1);
}

Model::~Model() = default;

absl::StatusOr<std::shared_ptr<const Model>> Model::Compile(
    const cfg::ScoringModel& proto) {
  std::vector<ModelProblem> problems = ValidateModel(proto);
  if (!problems.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model field ", problems[0].field, ": ", problems[0].what));
  }
  std::shared_ptr<Model> m(new Model());
  m->proto_ = proto;
  m->fingerprint_ = Fingerprint(proto);
  m->session_gap_micros_ = MicrosOr(
      proto.has_session_gap(), proto.session_gap(), 30 * 60 * kMicrosPerSecond);
  m->max_inferred_dwell_micros_ =
      MicrosOr(proto.has_max_inferred_dwell(), proto.max_inferred_dwell(),
               10 * 60 * kMicrosPerSecond);

  m->time_zone_ = absl::UTCTimeZone();
  if (!proto.time_zone().empty())
    absl::LoadTimeZone(proto.time_zone(), &m->time_zone_);  // validated

  m->url_set_ = std::make_unique<re2::RE2::Set>(re2::RE2::Options(),
                                                re2::RE2::UNANCHORED);
  for (const cfg::UrlRule& rule : proto.url_rules()) {
    m->url_set_->Add(rule.pattern(), nullptr);
    m->url_page_types_.push_back(rule.page_type());
  }
  if (!m->url_set_->Compile()) {
    return absl::ResourceExhaustedError(
        "url_rules: patterns too large for RE2");
  }

  absl::flat_hash_map<std::string, int> index;
  for (int i = 0; i < proto.signals_size(); ++i) {
    const cfg::Signal& s = proto.signals(i);
    index[s.name()] = i;
    SignalSpec spec;
    spec.name = s.name();
    spec.source = s.source();
    const absl::string_view filter = FilterOf(s.source());
    if (filter == "page_types") spec.filter = FilterMask(s.page_types());
    if (filter == "asset_kinds") spec.filter = FilterMask(s.asset_kinds());
    if (filter == "chat_intents") spec.filter = FilterMask(s.chat_intents());
    if (filter == "form_kinds") spec.filter = FilterMask(s.form_kinds());
    const int64_t half_life = Micros(s.half_life());
    spec.decay_per_micro =
        half_life > 0 ? std::log(2.0) / static_cast<double>(half_life) : 0;
    spec.weight = s.weight();
    spec.log1p = s.transform() == cfg::TRANSFORM_LOG1P;
    spec.cap = s.cap() > 0 ? s.cap() : kInf;
    spec.aggregate = s.aggregate() == cfg::AGGREGATE_UNSPECIFIED
                         ? cfg::AGGREGATE_SUM
                         : s.aggregate();
    if (spec.aggregate == cfg::AGGREGATE_DAYS ||
        spec.aggregate == cfg::AGGREGATE_SECONDS_SINCE ||
        spec.aggregate == cfg::AGGREGATE_PREVIOUS_GAP)
      spec.mark = m->mark_count_++;
    if (spec.aggregate == cfg::AGGREGATE_MAX_PER_URL) m->counts_urls_ = true;
    if (spec.source == cfg::SIGNAL_SOURCE_EVENTS) m->counts_events_ = true;
    if (spec.aggregate == cfg::AGGREGATE_LAST_EVENT ||
        spec.aggregate == cfg::AGGREGATE_SECONDS_SINCE)
      m->resets_per_event_ = true;
    spec.shape_x.assign(s.shape().x().begin(), s.shape().x().end());
    spec.shape_y.assign(s.shape().y().begin(), s.shape().y().end());
    m->signals_.push_back(std::move(spec));
  }
  for (const cfg::Trigger& t : proto.triggers()) {
    m->triggers_.push_back(
        {t.name(), index.at(t.signal()), t.count(), Micros(t.window())});
  }
  for (const cfg::Disqualifier& d : proto.disqualifiers()) {
    m->disqualifiers_.push_back(
        {d.name(), d.reason(), CompileConditions(d.all_of(), index)});
  }
  for (const cfg::SegmentRule& r : proto.segment_rules()) {
    m->segment_rules_.push_back(
        {r.segment(), CompileConditions(r.all_of(), index)});
  }
  for (const cfg::StageRule& r : proto.stage_rules()) {
    m->stage_rules_.push_back(
        {r.stage(), CompileConditions(r.all_of(), index)});
  }

  const cfg::LevelThresholds& l = proto.levels();
  LevelSpec& levels = m->levels_;
  levels.enter_logit[0] = levels.exit_logit[0] = -kInf;
  levels.enter_logit[kaiku::v1::LEVEL_COLD] = -kInf;
  levels.exit_logit[kaiku::v1::LEVEL_COLD] = -kInf;
  const cfg::LevelBand* bands[] = {&l.warm(), &l.hot(), &l.sales_ready()};
  for (int i = 0; i < 3; ++i) {
    levels.enter_logit[kaiku::v1::LEVEL_WARM + i] = Logit(bands[i]->enter());
    levels.exit_logit[kaiku::v1::LEVEL_WARM + i] = Logit(bands[i]->exit());
  }
  levels.min_time_in_level_micros = Micros(l.min_time_in_level());
  levels.cooldown_micros = Micros(l.cooldown());

  const cfg::BotRules& b = proto.bots();
  BotSpec& bots = m->bots_;
  const int64_t click_half_life = MicrosOr(
      b.has_click_half_life(), b.click_half_life(), 3 * kMicrosPerSecond);
  bots.click_decay_per_micro =
      click_half_life > 0 ? std::log(2.0) / click_half_life : 0;
  if (b.max_click_burst() > 0) bots.max_click_burst = b.max_click_burst();
  if (b.suspect_click_burst() > 0)
    bots.suspect_click_burst = b.suspect_click_burst();
  if (b.zero_dwell_streak() > 0) bots.zero_dwell_streak = b.zero_dwell_streak();
  bots.min_dwell_micros =
      MicrosOr(b.has_min_dwell(), b.min_dwell(), kMicrosPerSecond);
  return std::shared_ptr<const Model>(std::move(m));
}

kaiku::v1::PageType Model::ClassifyUrl(absl::string_view url) const {
  if (url_page_types_.empty()) return kaiku::v1::PAGE_TYPE_OTHER;
  std::vector<int> matches;
  if (!url_set_->Match(re2::StringPiece(url.data(), url.size()), &matches) ||
      matches.empty())
    return kaiku::v1::PAGE_TYPE_OTHER;
  int first = matches[0];
  for (int m : matches) first = m < first ? m : first;
  return url_page_types_[first];
}

}  // namespace kaiku::scoring
