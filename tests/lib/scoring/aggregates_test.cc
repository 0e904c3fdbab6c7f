// The signal aggregates beyond the decayed sum (calendar days, sessions,
// recency, the last event, hour and weekday, repeat views of one URL) and
// learned shapes: each computed online from the state, exactly as a replay of
// the timeline computes it, and explained as a sum of contributions.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "lib/scoring/fold.h"
#include "lib/scoring/model_loader.h"
#include "lib/scoring/scorer.h"
#include "lib/scoring/visitor_state.h"

namespace kaiku::scoring {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::v1::Event;
using ::testing::HasSubstr;

constexpr int64_t kSecond = 1000000;
constexpr int64_t kHour = 3600 * kSecond;

// Helsinki is UTC+2 in January: local midnight is 22:00 UTC.
const absl::TimeZone& Helsinki() {
  static const absl::TimeZone* zone = [] {
    auto* z = new absl::TimeZone;
    EXPECT_TRUE(absl::LoadTimeZone("Europe/Helsinki", z));
    return z;
  }();
  return *zone;
}

int64_t Local(int day, int hour, int minute = 0) {
  return absl::ToUnixMicros(absl::FromCivil(
      absl::CivilSecond(2026, 1, day, hour, minute, 0), Helsinki()));
}

constexpr char kModel[] = R"model(
version: "aggregates-1"
time_zone: "Europe/Helsinki"
url_rules { pattern: "/cart" page_type: PAGE_TYPE_CART }
url_rules { pattern: "/products/" page_type: PAGE_TYPE_PRODUCT }
signals { name: "events_today" source: SIGNAL_SOURCE_EVENTS aggregate: AGGREGATE_TODAY weight: 0.1 }
signals { name: "session_pages" source: SIGNAL_SOURCE_PAGE_VIEWS aggregate: AGGREGATE_SESSION weight: 0.1 }
signals { name: "days_active" source: SIGNAL_SOURCE_EVENTS aggregate: AGGREGATE_DAYS weight: 0.1 }
signals { name: "purchase_days" source: SIGNAL_SOURCE_CONVERSIONS aggregate: AGGREGATE_DAYS weight: 0.1 }
signals { name: "since_cart" source: SIGNAL_SOURCE_PAGE_VIEWS page_types: [PAGE_TYPE_CART]
          aggregate: AGGREGATE_SECONDS_SINCE weight: -0.0001 cap: 86400 }
signals { name: "visit_gap" source: SIGNAL_SOURCE_SESSIONS aggregate: AGGREGATE_PREVIOUS_GAP weight: 0 }
signals { name: "last_is_cart" source: SIGNAL_SOURCE_PAGE_VIEWS page_types: [PAGE_TYPE_CART]
          aggregate: AGGREGATE_LAST_EVENT weight: 1 }
signals { name: "hour" source: SIGNAL_SOURCE_EVENTS aggregate: AGGREGATE_HOUR_OF_DAY
          shape { x: [0, 12, 23] y: [0, 1, -1] } }
signals { name: "weekday" source: SIGNAL_SOURCE_EVENTS aggregate: AGGREGATE_WEEKDAY weight: 0 }
signals { name: "one_product" source: SIGNAL_SOURCE_PAGE_VIEWS page_types: [PAGE_TYPE_PRODUCT]
          aggregate: AGGREGATE_MAX_PER_URL weight: 0.2 }
levels {
  warm { enter: 20 exit: 15 }
  hot { enter: 50 exit: 40 }
  sales_ready { enter: 75 exit: 65 }
}
)model";

Event Page(const std::string& id, int64_t t, const std::string& path) {
  Event e;
  e.set_event_id(id);
  e.set_visitor_id("v");
  *e.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(t);
  e.mutable_page_view()->set_url(absl::StrCat("https://shop.example", path));
  return e;
}

Event Buy(const std::string& id, int64_t t) {
  Event e;
  e.set_event_id(id);
  e.set_visitor_id("v");
  *e.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(t);
  e.mutable_conversion()->set_order_id(id);
  return e;
}

class AggregatesTest : public ::testing::Test {
 protected:
  AggregatesTest() : model_(*ParseModel(kModel, "m")), scorer_(*model_) {}

  int Index(const std::string& name) const {
    for (size_t i = 0; i < model_->signals().size(); ++i)
      if (model_->signals()[i].name == name) return static_cast<int>(i);
    ADD_FAILURE() << name;
    return 0;
  }
  // The signal's value at `at` (its feature with no cap or transform hit).
  double Value(const VisitorState& s, const std::string& name, int64_t at) {
    kaiku::v1::Explanation explanation;
    scorer_.Explain(s, at, &explanation);
    for (const auto& c : explanation.contributions())
      if (c.signal() == name) return c.value();
    return 0;
  }
  VisitorState Fold(const std::vector<Event>& events) {
    VisitorState s = scorer_.NewState();
    for (const Event& e : events) scorer_.Apply(e, s, nullptr);
    return s;
  }

  std::shared_ptr<const Model> model_;
  Scorer scorer_;
};

TEST_F(AggregatesTest, TodayCountsTheLocalCalendarDay) {
  // 23:30 and 23:50 local on the 5th, then 00:10 on the 6th (22:10 UTC on
  // the 5th: the same UTC day, another local one).
  VisitorState s = Fold(
      {Page("a", Local(5, 23, 30), "/"), Page("b", Local(5, 23, 50), "/")});
  EXPECT_EQ(Value(s, "events_today", Local(5, 23, 55)), 2);
  EXPECT_EQ(Value(s, "events_today", Local(6, 0, 1)), 0);  // midnight passed
  s = Fold({Page("a", Local(5, 23, 30), "/"), Page("b", Local(5, 23, 50), "/"),
            Page("c", Local(6, 0, 10), "/")});
  EXPECT_EQ(Value(s, "events_today", Local(6, 0, 10)), 1);
  EXPECT_EQ(Value(s, "days_active", Local(6, 0, 10)), 2);
}

TEST_F(AggregatesTest, SessionSumsEndAfterTheGap) {
  VisitorState s =
      Fold({Page("a", Local(5, 10), "/"), Page("b", Local(5, 10, 10), "/"),
            Page("c", Local(5, 10, 20), "/")});
  EXPECT_EQ(Value(s, "session_pages", Local(5, 10, 49)), 3);
  EXPECT_EQ(Value(s, "session_pages", Local(5, 10, 51)), 0);  // 31 min later
  s = Fold({Page("a", Local(5, 10), "/"), Page("b", Local(5, 11), "/")});
  EXPECT_EQ(Value(s, "session_pages", Local(5, 11)), 1);
  EXPECT_EQ(Value(s, "visit_gap", Local(5, 11)), 3600);
}

TEST_F(AggregatesTest, DaysWithAPurchaseCountOncePerDay) {
  VisitorState s = Fold(
      {Buy("a", Local(5, 10)), Buy("b", Local(5, 18)), Buy("c", Local(7, 9))});
  EXPECT_EQ(Value(s, "purchase_days", Local(7, 9)), 2);
}

TEST_F(AggregatesTest, SecondsSinceGrowsAndNeverIsTheCap) {
  VisitorState s = Fold({Page("a", Local(5, 10), "/")});
  // Never: explained as the cap, contributing the cap's amount.
  EXPECT_EQ(Value(s, "since_cart", Local(5, 10)), 86400);
  s = Fold({Page("a", Local(5, 10), "/cart"), Page("b", Local(5, 10, 5), "/")});
  EXPECT_EQ(Value(s, "since_cart", Local(5, 10, 5)), 300);
  EXPECT_EQ(Value(s, "since_cart", Local(5, 12)), 7200);  // between events
  EXPECT_EQ(Value(s, "last_is_cart", Local(5, 10, 5)), 0);
  s = Fold({Page("a", Local(5, 10), "/cart")});
  EXPECT_EQ(Value(s, "last_is_cart", Local(5, 10)), 1);
}

TEST_F(AggregatesTest, HourAndWeekdayAreLocalAndShapedHourIsExplained) {
  // 2026-01-05 is a Monday.
  VisitorState s = Fold({Page("a", Local(5, 12, 30), "/")});
  EXPECT_EQ(Value(s, "hour", Local(5, 12, 30)), 12);
  EXPECT_EQ(Value(s, "weekday", Local(5, 12, 30)), 0);  // not shown: 0
  s = Fold({Page("a", Local(10, 18), "/")});            // Saturday
  EXPECT_EQ(Value(s, "weekday", Local(10, 18)), 5);
  kaiku::v1::Explanation explanation;
  scorer_.Explain(s, Local(10, 18), &explanation);
  double hour_contribution = 0;
  for (const auto& c : explanation.contributions())
    if (c.signal() == "hour") hour_contribution = c.contribution();
  // The shape: 1 at 12, -1 at 23, linear between: 18 → 1 - 2·6/11.
  EXPECT_NEAR(hour_contribution, 1 - 12.0 / 11, 1e-12);
}

TEST_F(AggregatesTest, MaxPerUrlFollowsTheMostViewedProduct) {
  std::vector<Event> events;
  int64_t t = Local(5, 10);
  for (int i = 0; i < 3; ++i)
    events.push_back(
        Page(absl::StrCat("x", i), t += 60 * kSecond, "/products/x"));
  for (int i = 0; i < 6; ++i)  // more distinct products than are followed
    events.push_back(Page(absl::StrCat("o", i), t += 60 * kSecond,
                          absl::StrCat("/products/o", i)));
  events.push_back(Page("x3", t += 60 * kSecond, "/products/x"));
  VisitorState s = Fold(events);
  EXPECT_LE(s.top_urls.size(), static_cast<size_t>(kTopUrls));
  // Space-saving never undercounts: x's 4 views are at least 4.
  EXPECT_GE(Value(s, "one_product", t), 4);
  EXPECT_LE(Value(s, "one_product", t), 6);
}

TEST_F(AggregatesTest, StateRoundTripsAndReplayIsExact) {
  std::vector<Event> events = {Page("a", Local(5, 23, 30), "/cart"),
                               Buy("b", Local(5, 23, 40)),
                               Page("c", Local(6, 9), "/products/x"),
                               Page("d", Local(6, 9, 1), "/products/x")};
  VisitorState s = Fold(events);
  absl::StatusOr<VisitorState> decoded =
      DecodeVisitorState(EncodeVisitorState(s));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, s);
  // Folding the rest after a decode continues exactly.
  VisitorState half = Fold({events[0], events[1]});
  VisitorState resumed = *DecodeVisitorState(EncodeVisitorState(half));
  scorer_.Apply(events[2], resumed, nullptr);
  scorer_.Apply(events[3], resumed, nullptr);
  EXPECT_EQ(resumed, s);
  EXPECT_EQ(FoldTimeline(scorer_, events), s);
}

TEST_F(AggregatesTest, LevelChangesByRecencyAreFoundBetweenEvents) {
  // A cart at 10:00: last_is_cart alone (1) and the hour shape carry the
  // score; as seconds since the cart grow, since_cart pulls it down (−8.64
  // at the cap), and the timer finds the moment the level drops.
  constexpr char kRecency[] = R"model(
version: "recency-1"
url_rules { pattern: "/cart" page_type: PAGE_TYPE_CART }
signals { name: "since_cart" source: SIGNAL_SOURCE_PAGE_VIEWS page_types: [PAGE_TYPE_CART]
          aggregate: AGGREGATE_SECONDS_SINCE cap: 7200
          shape { x: [0, 3600, 7200] y: [0, -4, -6] } }
signals { name: "cart" source: SIGNAL_SOURCE_PAGE_VIEWS page_types: [PAGE_TYPE_CART] weight: 4 }
bias: -1
levels {
  warm { enter: 20 exit: 15 }
  hot { enter: 50 exit: 40 }
  sales_ready { enter: 75 exit: 65 }
}
)model";
  std::shared_ptr<const Model> model = *ParseModel(kRecency, "r");
  Scorer scorer(*model);
  VisitorState s = scorer.NewState();
  std::vector<kaiku::v1::ScoreEvent> out;
  const int64_t t0 = Local(5, 10);
  scorer.Apply(Page("a", t0, "/cart"), s, &out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().level(), kaiku::v1::LEVEL_SALES_READY);  // logit 3
  // Sales-ready is left below 65 % (logit 0.619): 3 − 4·x/3600 < 0.619
  // after x > 2142.9 s, so at the next whole second.
  std::optional<int64_t> wake = scorer.NextWakeUp(s, t0);
  ASSERT_TRUE(wake.has_value());
  EXPECT_EQ(*wake, t0 + 2143 * kSecond);
  out.clear();
  scorer.Tick(s, t0 + 4 * kHour, &out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().level(), kaiku::v1::LEVEL_COLD);
}

TEST(AggregateModelTest, PageValueReadsTheStampedValues) {
  constexpr char kPageValue[] = R"model(
version: "page-value-1"
signals { name: "visit_value" source: SIGNAL_SOURCE_PAGE_VALUE aggregate: AGGREGATE_SESSION weight: 0.1 }
signals { name: "last_value" source: SIGNAL_SOURCE_PAGE_VALUE aggregate: AGGREGATE_LAST_EVENT weight: 0.1 }
levels {
  warm { enter: 20 exit: 15 }
  hot { enter: 50 exit: 40 }
  sales_ready { enter: 75 exit: 65 }
}
)model";
  std::shared_ptr<const Model> model = *ParseModel(kPageValue, "p");
  Scorer scorer(*model);
  VisitorState s = scorer.NewState();
  const int64_t t0 = Local(5, 10);
  Event a = Page("a", t0, "/products/x");
  a.mutable_page_view()->set_page_value(12.5);
  Event b = Page("b", t0 + 60 * kSecond, "/products/y");
  b.mutable_page_view()->set_page_value(0.5);
  scorer.Apply(a, s, nullptr);
  scorer.Apply(b, s, nullptr);
  EXPECT_EQ(scorer.Features(s, t0 + 60 * kSecond)[0], 13);
  EXPECT_EQ(scorer.Features(s, t0 + 60 * kSecond)[1], 0.5);  // the last page's
  EXPECT_EQ(scorer.Features(s, t0 + 40 * 60 * kSecond)[0], 0);  // visit over
  // A page with no value yet: the last event added nothing.
  scorer.Apply(Page("c", t0 + 120 * kSecond, "/products/z"), s, nullptr);
  EXPECT_EQ(scorer.Features(s, t0 + 120 * kSecond)[1], 0);
}

TEST(AggregateModelTest, InvalidAggregatesAndShapesAreNamed) {
  auto problem = [](const std::string& signal) {
    std::string text = absl::StrCat(R"(version: "t" signals { )", signal,
                                    R"( } levels { warm { enter: 20 exit: 15 }
        hot { enter: 50 exit: 40 } sales_ready { enter: 75 exit: 65 } })");
    absl::StatusOr<std::shared_ptr<const Model>> m = ParseModel(text, "m");
    return m.ok() ? std::string() : std::string(m.status().message());
  };
  EXPECT_EQ(
      problem(
          R"(name: "a" source: SIGNAL_SOURCE_EVENTS aggregate: AGGREGATE_DAYS)"),
      "");
  EXPECT_THAT(
      problem(
          R"(name: "a" source: SIGNAL_SOURCE_EVENTS aggregate: AGGREGATE_TODAY half_life { seconds: 60 })"),
      HasSubstr("signals[0].half_life: only a SUM decays"));
  EXPECT_THAT(
      problem(
          R"(name: "a" source: SIGNAL_SOURCE_EVENTS aggregate: AGGREGATE_SECONDS_SINCE)"),
      HasSubstr("signals[0].cap: SECONDS_SINCE needs a cap"));
  EXPECT_THAT(
      problem(
          R"(name: "a" source: SIGNAL_SOURCE_EVENTS aggregate: AGGREGATE_MAX_PER_URL)"),
      HasSubstr("signals[0].source: MAX_PER_URL counts page views only"));
  EXPECT_THAT(
      problem(
          R"(name: "a" source: SIGNAL_SOURCE_EVENTS weight: 1 shape { x: [0, 1] y: [0, 1] })"),
      HasSubstr("signals[0].weight: must be 0 with a shape"));
  EXPECT_THAT(
      problem(
          R"(name: "a" source: SIGNAL_SOURCE_EVENTS shape { x: [0, 1] y: [1, 1] })"),
      HasSubstr("must be 0 at f = 0"));
  EXPECT_THAT(
      problem(
          R"(name: "a" source: SIGNAL_SOURCE_EVENTS shape { x: [0, 2, 1] y: [0, 1, 2] })"),
      HasSubstr("signals[0].shape.x[2]: must be greater"));
  EXPECT_THAT(
      problem(
          R"(name: "a" source: SIGNAL_SOURCE_EVENTS shape { x: [0] y: [0] })"),
      HasSubstr("signals[0].shape: needs 2..16 knots"));
  EXPECT_THAT(
      std::string(ParseModel(absl::StrReplaceAll(
                                 kModel, {{"Europe/Helsinki", "Mars/Olympus"}}),
                             "m")
                      .status()
                      .message()),
      HasSubstr("time_zone: unknown time zone \"Mars/Olympus\""));
}

}  // namespace
}  // namespace kaiku::scoring
