#include "lib/scoring/page_values.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"

namespace kaiku::scoring {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::v1::Event;

constexpr int64_t kMinute = int64_t{60} * 1000000;
constexpr int64_t kT0 = int64_t{1764000000} * 1000000;

Event View(const std::string& visitor, int64_t t, const std::string& url) {
  Event e;
  e.set_visitor_id(visitor);
  *e.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(t);
  e.mutable_page_view()->set_url(url);
  return e;
}

Event Buy(const std::string& visitor, int64_t t, double value) {
  Event e;
  e.set_visitor_id(visitor);
  *e.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(t);
  e.mutable_conversion()->set_value(value);
  return e;
}

TEST(PageValuesTest, AConversionCreditsThePagesOfTheVisitNoLaterOnes) {
  PageValues values;
  // Nothing is known yet: the first views are stamped 0.
  EXPECT_EQ(values.Learn("t", View("a", kT0, "/p/1")), 0);
  EXPECT_EQ(values.Learn("t", View("a", kT0 + kMinute, "/p/2")), 0);
  EXPECT_EQ(values.Learn("t", Buy("a", kT0 + 2 * kMinute, 60)), 0);
  // Each page of the visit got the 60: value = credit / (views + 1), with
  // the views decayed a little (a 30-day half-life) since they were made.
  EXPECT_NEAR(values.ValueOf("t", "/p/1", kT0 + 2 * kMinute), 30, 1e-3);
  // The next view is stamped with what was known before it.
  EXPECT_NEAR(values.Learn("t", View("b", kT0 + 3 * kMinute, "/p/1")), 30,
              1e-3);
  EXPECT_NEAR(values.ValueOf("t", "/p/1", kT0 + 3 * kMinute), 20, 1e-3);
  // A page first seen after the purchase has no value; tenants are apart.
  EXPECT_EQ(values.Learn("t", View("a", kT0 + 4 * kMinute, "/p/3")), 0);
  EXPECT_EQ(values.ValueOf("other", "/p/1", kT0 + 3 * kMinute), 0);
  // A conversion without a value counts 1.
  values.Learn("t", Buy("b", kT0 + 5 * kMinute, 0));
  EXPECT_NEAR(values.ValueOf("t", "/p/1", kT0 + 5 * kMinute), 61.0 / 3, 1e-3);
}

TEST(PageValuesTest, ANewVisitStartsAfterTheGapAndValuesDecay) {
  PageValueOptions options;
  options.half_life_micros = 60 * kMinute;
  PageValues values(options);
  values.Learn("t", View("a", kT0, "/old"));
  values.Learn("t", View("a", kT0 + 40 * kMinute, "/new"));  // a new visit
  values.Learn("t", Buy("a", kT0 + 41 * kMinute, 10));
  EXPECT_EQ(values.ValueOf("t", "/old", kT0 + 41 * kMinute), 0);
  // The view decayed for a minute before the credit came.
  EXPECT_NEAR(values.ValueOf("t", "/new", kT0 + 41 * kMinute),
              10 / (std::exp2(-1.0 / 60) + 1), 1e-9);
  // One half-life later credit and views have both halved.
  EXPECT_NEAR(values.ValueOf("t", "/new", kT0 + 101 * kMinute),
              5 / (std::exp2(-61.0 / 60) + 1), 1e-9);
}

TEST(PageValuesTest, MemoryIsBounded) {
  PageValueOptions options;
  options.max_pages = 2;
  options.max_visits = 4;
  options.pages_per_visit = 1;
  PageValues values(options);
  const int64_t kSecond = 1000000;
  values.Learn("t", View("a", kT0, "/1"));
  values.Learn("t", View("b", kT0 + kSecond, "/2"));
  values.Learn("t", View("c", kT0 + 2 * kSecond, "/3"));  // page not followed
  values.Learn("t", View("d", kT0 + 3 * kSecond, "/1"));
  // The table of visits is full and none has ended: the least recently
  // active (a's) makes room.
  values.Learn("t", View("e", kT0 + 4 * kSecond, "/2"));
  values.Learn("t", Buy("a", kT0 + kMinute, 5));
  values.Learn("t", Buy("c", kT0 + kMinute, 5));
  values.Learn("t", Buy("e", kT0 + kMinute, 5));
  EXPECT_EQ(values.ValueOf("t", "/1", kT0 + kMinute), 0);
  EXPECT_EQ(values.ValueOf("t", "/3", kT0 + kMinute), 0);
  EXPECT_NEAR(values.ValueOf("t", "/2", kT0 + kMinute), 5.0 / 3, 1e-3);
  // Once the visits have ended, new visitors take their places.
  values.Learn("t", View("f", kT0 + 90 * kMinute, "/1"));
  values.Learn("t", Buy("f", kT0 + 91 * kMinute, 5));
  EXPECT_GT(values.ValueOf("t", "/1", kT0 + 91 * kMinute), 1.0);
}

// More visitors in a visit at once than the table holds (a busy site): the
// most recently active are followed.
TEST(PageValuesTest, WhenEveryVisitIsOpenTheMostRecentAreFollowed) {
  PageValueOptions options;
  options.max_visits = 1000;
  PageValues values(options);
  for (int i = 0; i < 200000; ++i) {
    values.Learn("t", View(absl::StrCat("v", i), kT0 + i, "/page"));
  }
  // The most recent visits are followed: one of them converts.
  values.Learn("t", Buy("v199999", kT0 + 200000, 10));
  EXPECT_GT(values.ValueOf("t", "/page", kT0 + 200000), 0);
}

}  // namespace
}  // namespace kaiku::scoring
