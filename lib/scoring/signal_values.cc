// The values of a visitor's signals by aggregate (model.proto, Aggregate):
// what an event adds (Scorer::Count) and what a value is at a later time
// (Scorer::SignalAt). The rest of the scorer is in scorer.cc.
#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/time/time.h"
#include "lib/scoring/scorer.h"

namespace kaiku::scoring {
namespace {

namespace cfg = ::kaiku::config::v1;

constexpr int64_t kMicrosPerSecond = 1000000;

// Counts one view of the URL with `hash` in the visitor's most viewed URLs
// (space-saving) and returns the largest count.
double CountUrl(std::vector<UrlCount>& top, uint32_t hash) {
  UrlCount* entry = nullptr;
  for (UrlCount& u : top) {
    if (u.url_hash == hash) entry = &u;
  }
  if (entry == nullptr && top.size() < static_cast<size_t>(kTopUrls)) {
    entry = &top.emplace_back();
    entry->url_hash = hash;
  } else if (entry == nullptr) {
    entry = &*std::min_element(
        top.begin(), top.end(),
        [](const UrlCount& a, const UrlCount& b) { return a.count < b.count; });
    entry->url_hash = hash;
  }
  ++entry->count;
  uint32_t most = 0;
  for (const UrlCount& u : top) most = std::max(most, u.count);
  return most;
}

}  // namespace

double Scorer::SignalAt(const VisitorState& s, int i, int64_t t) const {
  const SignalSpec& spec = model_.signals()[i];
  const double v = s.signals[i];
  if (spec.aggregate == cfg::AGGREGATE_SUM) {  // the common case, first
    if (spec.decay_per_micro == 0 || v == 0 || t <= s.last_event) return v;
    return v * std::exp(-spec.decay_per_micro *
                        static_cast<double>(t - s.last_event));
  }
  switch (spec.aggregate) {
    case cfg::AGGREGATE_SECONDS_SINCE: {
      const int64_t mark = s.marks[spec.mark];
      if (mark == 0) return std::numeric_limits<double>::infinity();
      return static_cast<double>(std::max(t, s.last_event) - mark) /
             kMicrosPerSecond;
    }
    case cfg::AGGREGATE_TODAY:
      if (v == 0 || t <= s.last_event) return v;
      return model_.DayOf(t) == model_.DayOf(s.last_event) ? v : 0;
    case cfg::AGGREGATE_SESSION:
      if (v == 0 || t <= s.last_event) return v;
      return t - s.last_event > model_.session_gap_micros() ? 0 : v;
    default:
      return v;  // constant between events
  }
}

void Scorer::Count(VisitorState& s, int i, double amount, int64_t t,
                   uint32_t url_hash, double* values) const {
  const SignalSpec& spec = model_.signals()[i];
  int64_t* mark = spec.mark >= 0 ? &s.marks[spec.mark] : nullptr;
  switch (spec.aggregate) {
    case cfg::AGGREGATE_DAYS:
      if (*mark == 0 || model_.DayOf(*mark) != model_.DayOf(t)) values[i] += 1;
      *mark = t;
      break;
    case cfg::AGGREGATE_SECONDS_SINCE:
      *mark = t;
      break;
    case cfg::AGGREGATE_PREVIOUS_GAP:
      if (*mark != 0 && *mark != t)
        values[i] = static_cast<double>(t - *mark) / kMicrosPerSecond;
      *mark = t;
      break;
    case cfg::AGGREGATE_LAST_EVENT:
      values[i] = amount;
      break;
    case cfg::AGGREGATE_HOUR_OF_DAY:
      values[i] =
          absl::ToCivilHour(absl::FromUnixMicros(t), model_.time_zone()).hour();
      break;
    case cfg::AGGREGATE_WEEKDAY:
      values[i] = static_cast<int>(absl::GetWeekday(
          absl::ToCivilDay(absl::FromUnixMicros(t), model_.time_zone())));
      break;
    case cfg::AGGREGATE_MAX_PER_URL:
      values[i] = CountUrl(s.top_urls, url_hash);
      break;
    default:  // SUM, TODAY, SESSION
      values[i] += amount;
      break;
  }
}

}  // namespace kaiku::scoring
