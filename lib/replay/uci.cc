// UCI "Online Shoppers Purchasing Intention" (dataset 468): one row per
// session with page counts and total seconds per page category.
//
// Each row is one visitor ("uci-<line>") with one session of the same id. The
// data gives only the month and whether the day was a weekend, so the session
// starts on a day of that month of 2014 that agrees with Weekend, between
// 08:00 and 22:00 UTC, both picked by a hash of the line number (the file's
// order says nothing of time: it is sorted by Revenue, so placing rows in file
// order would let any time signal read the label):
//  - Administrative pages -> PageViews of https://uci.example/account/<k>,
//    Informational pages  -> https://uci.example/about/<k>,
//    ProductRelated pages -> https://uci.example/products/<k>, in that order
//    (the data does not say the order);
//  - each page gets its category's duration divided by its page count, sent as
//    an Engagement (exact dwell) just before the next page view; page views
//    are that long apart, at least 1 s (Google Analytics reports 0 s for pages
//    it could not time) and at most 20 min (so one long read does not start a
//    second Kaiku session);
//  - Revenue=TRUE -> a Conversion at the end of the session;
//  - VisitorType=Returning_Visitor -> one earlier visit a week before: a home
//    page view without a session id (the data says only that there was one).
// Not represented: BounceRates, ExitRates, PageValues (Google Analytics'
// value of the pages from past transactions), SpecialDay, OperatingSystems,
// Browser, Region, TrafficType.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "lib/common/fnv.h"
#include "lib/common/status_macros.h"
#include "lib/replay/csv.h"
#include "lib/replay/dataset.h"

namespace kaiku::replay {
namespace {

using ::google::protobuf::util::TimeUtil;

constexpr int64_t kSecond = 1000000;
// The data was collected over one year; its year is not given.
constexpr int kYear = 2014;

// The session's start: a day of `month` (1-12) of kYear that is a weekend day
// or not as `weekend` says, and a time of day, picked by `hash`.
int64_t SessionStart(int month, bool weekend, uint64_t hash) {
  std::vector<absl::CivilDay> days;
  for (absl::CivilDay d(kYear, month, 1); d.month() == month; ++d) {
    const absl::Weekday w = absl::GetWeekday(d);
    const bool is_weekend =
        w == absl::Weekday::saturday || w == absl::Weekday::sunday;
    if (is_weekend == weekend) days.push_back(d);
  }
  const absl::CivilDay day = days[hash % days.size()];
  const int64_t second_of_day =
      8 * 3600 + static_cast<int64_t>((hash >> 16) % (14 * 3600));
  return absl::ToUnixMicros(absl::FromCivil(day, absl::UTCTimeZone())) +
         second_of_day * kSecond;
}
constexpr int64_t kMinStep = kSecond;
constexpr int64_t kMaxStep = 20 * 60 * kSecond;
constexpr int64_t kMaxEngaged = int64_t{24} * 3600 * kSecond;
constexpr int64_t kEarlierVisit = int64_t{7} * 86400 * kSecond;

}  // namespace

absl::StatusOr<std::vector<kaiku::v1::Event>> MapUci(
    std::istream& in, const std::string& source) {
  enum {
    kAdmin,
    kAdminSeconds,
    kInfo,
    kInfoSeconds,
    kProduct,
    kProductSeconds,
    kMonth,
    kVisitorType,
    kWeekend,
    kRevenue
  };
  ASSIGN_OR_RETURN(
      CsvReader csv,
      CsvReader::Open(in, source,
                      {"Administrative", "Administrative_Duration",
                       "Informational", "Informational_Duration",
                       "ProductRelated", "ProductRelated_Duration", "Month",
                       "VisitorType", "Weekend", "Revenue"}));
  std::vector<kaiku::v1::Event> events;
  while (csv.Next()) {
    struct Category {
      const char* path;
      int64_t pages;
      double seconds;
    } categories[3] = {{"account", 0, 0}, {"about", 0, 0}, {"products", 0, 0}};
    for (int i = 0; i < 3; ++i) {
      if (!absl::SimpleAtoi(csv.Field(2 * i), &categories[i].pages) ||
          categories[i].pages < 0 || categories[i].pages > 10000) {
        return csv.Error(2 * i, "must be a page count in 0..10000");
      }
      if (!absl::SimpleAtod(csv.Field(2 * i + 1), &categories[i].seconds) ||
          !std::isfinite(categories[i].seconds)) {
        return csv.Error(2 * i + 1, "must be a number of seconds");
      }
      categories[i].seconds = std::max(0.0, categories[i].seconds);
    }
    bool revenue = false;
    if (csv.Field(kRevenue) == "TRUE") {
      revenue = true;
    } else if (csv.Field(kRevenue) != "FALSE") {
      return csv.Error(kRevenue, "must be TRUE or FALSE");
    }
    static constexpr const char* kMonths[] = {"Jan", "Feb",  "Mar", "Apr",
                                              "May", "June", "Jul", "Aug",
                                              "Sep", "Oct",  "Nov", "Dec"};
    int month = 0;
    for (int m = 0; m < 12; ++m) {
      if (csv.Field(kMonth) == kMonths[m]) month = m + 1;
    }
    if (month == 0) return csv.Error(kMonth, "must be a month: Jan .. Dec");
    if (csv.Field(kWeekend) != "TRUE" && csv.Field(kWeekend) != "FALSE")
      return csv.Error(kWeekend, "must be TRUE or FALSE");
    const std::string id = absl::StrFormat("uci-%05d", csv.line());
    int64_t t = SessionStart(month, csv.Field(kWeekend) == "TRUE",
                             Fnv1a64(absl::StrCat("uci-line-", csv.line())));
    auto base = [&](std::string event_id, int64_t at) {
      kaiku::v1::Event& e = events.emplace_back();
      e.set_event_id(std::move(event_id));
      e.set_visitor_id(id);
      e.set_session_id(id);
      *e.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(at);
      return &e;
    };
    if (csv.Field(kVisitorType) == "Returning_Visitor") {
      kaiku::v1::Event* e = base(absl::StrCat(id, "-r"), t - kEarlierVisit);
      e->clear_session_id();
      e->mutable_page_view()->set_url("https://uci.example/");
    }
    int part = 0;
    for (const Category& c : categories) {
      const int64_t dwell =
          c.pages == 0 ? 0
                       : static_cast<int64_t>(std::llround(
                             c.seconds / static_cast<double>(c.pages) * 1e6));
      for (int64_t k = 1; k <= c.pages; ++k) {
        const std::string url =
            absl::StrCat("https://uci.example/", c.path, "/", k);
        base(absl::StrFormat("%s-%04d-v", id, part), t)
            ->mutable_page_view()
            ->set_url(url);
        t += std::clamp(dwell, kMinStep, kMaxStep);
        if (dwell > 0) {
          kaiku::v1::Engagement* engagement =
              base(absl::StrFormat("%s-%04d-e", id, part), t)
                  ->mutable_engagement();
          engagement->set_url(url);
          *engagement->mutable_engaged_time() =
              TimeUtil::MicrosecondsToDuration(std::min(dwell, kMaxEngaged));
        }
        ++part;
      }
    }
    if (revenue) {
      base(absl::StrFormat("%s-%04d-c", id, part), t)
          ->mutable_conversion()
          ->set_order_id(absl::StrCat(id, "-order"));
    }
  }
  RETURN_IF_ERROR(csv.status());
  return events;
}

}  // namespace kaiku::replay
