// UCI "Online Shoppers Purchasing Intention" (dataset 468): one row per
// session with page counts and total seconds per page category.
//
// Each row is one visitor ("uci-<line>") with one session of the same id,
// starting a minute after the previous row's (the data has no dates beyond the
// month, and sessions are independent):
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
// value of the pages from past transactions), SpecialDay, Month, Weekend,
// OperatingSystems, Browser, Region, TrafficType.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/time_util.h"
#include "lib/common/status_macros.h"
#include "lib/replay/csv.h"
#include "lib/replay/dataset.h"

namespace kaiku::replay {
namespace {

using ::google::protobuf::util::TimeUtil;

// 2014-01-05T00:00:00Z: the data was collected over one year.
constexpr int64_t kBaseMicros = int64_t{1388880000} * 1000000;
constexpr int64_t kSecond = 1000000;
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
    kVisitorType,
    kRevenue
  };
  ASSIGN_OR_RETURN(CsvReader csv,
                   CsvReader::Open(in, source,
                                   {"Administrative", "Administrative_Duration",
                                    "Informational", "Informational_Duration",
                                    "ProductRelated", "ProductRelated_Duration",
                                    "VisitorType", "Revenue"}));
  std::vector<kaiku::v1::Event> events;
  int64_t row = 0;
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
    const std::string id = absl::StrFormat("uci-%05d", csv.line());
    int64_t t = kBaseMicros + row * 60 * kSecond;
    ++row;
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
