#include "lib/evaluation/history_features.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "lib/scoring/model_loader.h"
#include "tests/testing/events.h"

namespace kaiku::evaluation {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::v1::Event;

constexpr int64_t kSecond = 1000000;
// 2025-11-24T12:00:00Z, a Monday.
constexpr int64_t kT0 = int64_t{1763985600} * kSecond;

constexpr auto At = kaiku::testing::EventAt;
constexpr auto Page = kaiku::testing::ShopPageAt;

double Feature(const std::vector<double>& f, const std::string& name) {
  const std::vector<std::string>& names = HistoryFeatureNames();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return f[i];
  ADD_FAILURE() << name;
  return 0;
}

TEST(HistoryFeaturesTest, CountsOnlyWhatTheMomentKnows) {
  std::shared_ptr<const scoring::Model> model = scoring::DefaultModel();
  Event buy = At("c", kT0 + 120 * kSecond, "d1");
  buy.mutable_conversion()->set_order_id("o");
  const std::vector<Event> timeline = {
      Page("a", kT0, "d1", "/products/x"),
      Page("b", kT0 + 60 * kSecond, "d1", "/cart"),
      buy,
      Page("d", kT0 + 86400 * kSecond, "d2", "/products/x"),
      Page("e", kT0 + 86460 * kSecond, "d2", "/products/y"),
      Page("f", kT0 + 86520 * kSecond, "d2", "/products/x"),  // after
  };
  ASSERT_EQ(
      HistoryFeatureNames().size(),
      HistoryFeatures(*model, absl::UTCTimeZone(), timeline, Example()).size());
  Example x;
  x.episode = "d2";
  x.at_micros = kT0 + 86460 * kSecond;
  x.history_events = 5;  // up to "e"
  const std::vector<double> f =
      HistoryFeatures(*model, absl::UTCTimeZone(), timeline, x);
  EXPECT_EQ(Feature(f, "total_events"), 5);
  EXPECT_EQ(Feature(f, "total_product"), 3);
  EXPECT_EQ(Feature(f, "total_cart"), 1);
  EXPECT_EQ(Feature(f, "episode_events"), 2);
  EXPECT_EQ(Feature(f, "today_events"), 2);
  EXPECT_EQ(Feature(f, "last_hour_events"), 2);
  EXPECT_EQ(Feature(f, "sessions"), 2);
  EXPECT_EQ(Feature(f, "days_active"), 2);
  EXPECT_EQ(Feature(f, "conversions"), 1);
  EXPECT_EQ(Feature(f, "days_with_conversion"), 1);
  EXPECT_EQ(Feature(f, "seconds_since_conversion"), 86460 - 120);
  EXPECT_EQ(Feature(f, "seconds_since_cart"), 86460 - 60);
  EXPECT_EQ(Feature(f, "seconds_since_previous_session"), 86460);
  EXPECT_EQ(Feature(f, "episode_seconds"), 60);
  EXPECT_EQ(Feature(f, "max_views_of_one_url"), 2);  // not 3: "f" is after
  EXPECT_EQ(Feature(f, "episode_max_views_of_one_url"), 1);
  EXPECT_EQ(Feature(f, "views_of_last_url"), 1);
  EXPECT_EQ(Feature(f, "hour_of_day"), 12 + 1 / 60.0);
  EXPECT_EQ(Feature(f, "weekday"), 1);  // Tuesday

  Example first;
  first.episode = "d1";
  first.at_micros = kT0;
  first.history_events = 1;
  const std::vector<double> g =
      HistoryFeatures(*model, absl::UTCTimeZone(), timeline, first);
  EXPECT_TRUE(std::isnan(Feature(g, "seconds_since_conversion")));
  EXPECT_TRUE(std::isnan(Feature(g, "seconds_since_previous_session")));
}

}  // namespace
}  // namespace kaiku::evaluation
