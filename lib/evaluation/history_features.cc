#include "lib/evaluation/history_features.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "google/protobuf/util/time_util.h"

namespace kaiku::evaluation {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::v1::Event;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMicrosPerSecond = 1e6;

// The page types a shop or a B2B site tells apart; the rest count as "other".
constexpr kaiku::v1::PageType kTypes[] = {
    kaiku::v1::PAGE_TYPE_PRODUCT, kaiku::v1::PAGE_TYPE_CART,
    kaiku::v1::PAGE_TYPE_CHECKOUT, kaiku::v1::PAGE_TYPE_WISHLIST,
    kaiku::v1::PAGE_TYPE_PRICING};
constexpr int kTypeCount = sizeof(kTypes) / sizeof(kTypes[0]);

int TypeIndex(kaiku::v1::PageType type) {
  for (int i = 0; i < kTypeCount; ++i) {
    if (kTypes[i] == type) return i;
  }
  return kTypeCount;  // other
}

// The last event's kind: 0-5 the page types above and other, then the
// event kinds that are not page views.
int KindCode(const scoring::Model& model, const Event& e) {
  if (e.has_page_view()) return TypeIndex(model.PageTypeOf(e.page_view()));
  return kTypeCount + static_cast<int>(e.kind_case());
}

}  // namespace

const std::vector<std::string>& HistoryFeatureNames() {
  static const std::vector<std::string>* names = [] {
    auto* n = new std::vector<std::string>;
    for (const char* scope : {"total", "episode", "today", "last_hour"}) {
      for (const char* what :
           {"events", "product", "cart", "checkout", "wishlist", "pricing",
            "other_pages", "engaged_seconds"}) {
        n->push_back(std::string(scope) + "_" + what);
      }
    }
    for (const char* name :
         {"sessions", "days_active", "conversions", "days_with_conversion",
          "seconds_since_previous_session", "seconds_since_conversion",
          "seconds_since_cart", "episode_seconds", "max_views_of_one_url",
          "episode_max_views_of_one_url", "views_of_last_url",
          "last_event_kind", "hour_of_day", "weekday", "episode_page_value",
          "last_page_value"}) {
      n->push_back(name);
    }
    return n;
  }();
  return *names;
}

std::vector<double> HistoryFeatures(const scoring::Model& model,
                                    absl::TimeZone zone,
                                    const std::vector<Event>& timeline,
                                    const Example& example) {
  const size_t n = std::min<size_t>(timeline.size(), example.history_events);
  const int64_t at = example.at_micros;
  auto day_of = [&](int64_t micros) {
    const absl::CivilDay day =
        absl::ToCivilDay(absl::FromUnixMicros(micros), zone);
    return day - absl::CivilDay(1970, 1, 1);
  };
  const int64_t today = day_of(at);
  // [scope][what], scopes: total, episode, today, last hour.
  double counts[4][kTypeCount + 3] = {};
  absl::flat_hash_set<int64_t> active_days, conversion_days;
  absl::flat_hash_map<std::string, int> url_views, episode_url_views;
  double sessions = 0, conversions = 0;
  int64_t last_t = 0, session_start = 0, previous_session_start = 0;
  int64_t last_conversion = 0, last_cart = 0, episode_start = 0;
  std::string last_url;
  double episode_page_value = 0, last_page_value = 0;
  for (size_t i = 0; i < n; ++i) {
    const Event& e = timeline[i];
    const int64_t t = TimeUtil::TimestampToMicroseconds(e.occurred_at());
    if (i == 0 || t - last_t > model.session_gap_micros()) {
      ++sessions;
      previous_session_start = session_start;
      session_start = t;
    }
    last_t = t;
    const bool in_episode =
        !example.episode.empty() && e.session_id() == example.episode;
    if (in_episode && episode_start == 0) episode_start = t;
    active_days.insert(day_of(t));
    const bool scoped[4] = {true, in_episode, day_of(t) == today,
                            at - t <= int64_t{3600} * 1000000};
    int what = -1;
    double engaged = 0;
    if (e.has_page_view()) {
      const kaiku::v1::PageType type = model.PageTypeOf(e.page_view());
      what = 1 + TypeIndex(type);
      if (type == kaiku::v1::PAGE_TYPE_CART ||
          type == kaiku::v1::PAGE_TYPE_CHECKOUT)
        last_cart = t;
      last_url = e.page_view().url();
      last_page_value = e.page_view().page_value();
      if (in_episode) episode_page_value += last_page_value;
      ++url_views[last_url];
      if (in_episode) ++episode_url_views[last_url];
    } else if (e.has_engagement()) {
      engaged =
          TimeUtil::DurationToMicroseconds(e.engagement().engaged_time()) /
          kMicrosPerSecond;
    } else if (e.has_price_list_view()) {
      what = 1 + TypeIndex(kaiku::v1::PAGE_TYPE_PRICING);
    } else if (e.has_conversion()) {
      ++conversions;
      conversion_days.insert(day_of(t));
      last_conversion = t;
    }
    for (int s = 0; s < 4; ++s) {
      if (!scoped[s]) continue;
      counts[s][0] += 1;
      if (what >= 0) counts[s][what] += 1;
      counts[s][kTypeCount + 2] += engaged;
    }
  }
  std::vector<double> f;
  f.reserve(HistoryFeatureNames().size());
  for (int s = 0; s < 4; ++s) {
    for (int w = 0; w < kTypeCount + 3; ++w) f.push_back(counts[s][w]);
  }
  auto since = [&](int64_t t) {
    return t == 0 ? kNaN : static_cast<double>(at - t) / kMicrosPerSecond;
  };
  auto max_views = [](const absl::flat_hash_map<std::string, int>& views) {
    int m = 0;
    for (const auto& [url, count] : views) m = std::max(m, count);
    return static_cast<double>(m);
  };
  f.push_back(sessions);
  f.push_back(static_cast<double>(active_days.size()));
  f.push_back(conversions);
  f.push_back(static_cast<double>(conversion_days.size()));
  f.push_back(since(previous_session_start));
  f.push_back(since(last_conversion));
  f.push_back(since(last_cart));
  f.push_back(since(episode_start));
  f.push_back(max_views(url_views));
  f.push_back(max_views(episode_url_views));
  f.push_back(last_url.empty() ? 0.0 : url_views[last_url]);
  f.push_back(n == 0 ? kNaN : KindCode(model, timeline[n - 1]));
  const absl::CivilSecond local =
      absl::ToCivilSecond(absl::FromUnixMicros(at), zone);
  f.push_back(local.hour() + local.minute() / 60.0);
  f.push_back(static_cast<int>(absl::GetWeekday(local)));
  f.push_back(episode_page_value);
  f.push_back(last_page_value);
  return f;
}

}  // namespace kaiku::evaluation
