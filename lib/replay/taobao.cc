// Taobao UserBehavior (Alibaba Tianchi dataset 649):
//   user_id,item_id,category_id,behavior_type,timestamp (Unix seconds)
//
//   pv   -> PageView https://taobao.example/products/<category_id>/<item_id>
//   fav  -> PageView https://taobao.example/wishlist/add?item=<item_id>
//   cart -> PageView https://taobao.example/cart?item=<item_id>
//   buy  -> Conversion{order_id = event_id}: no price in the data
// Page types are left to the model's URL rules, as on a real site. The data
// has no sessions and no dwell: Kaiku infers dwell from the gaps, and the
// session_id is the visitor's calendar day in China time (UTC+8), so that the
// evaluation's unit is a visitor-day.
#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "lib/common/status_macros.h"
#include "lib/replay/csv.h"
#include "lib/replay/dataset.h"

namespace kaiku::replay {

absl::StatusOr<std::vector<kaiku::v1::Event>> MapTaobao(
    std::istream& in, const std::string& source) {
  enum { kUser, kItem, kCategory, kBehavior, kTimestamp };
  ASSIGN_OR_RETURN(CsvReader csv,
                   CsvReader::Open(in, source,
                                   {"user_id", "item_id", "category_id",
                                    "behavior_type", "timestamp"}));
  const absl::TimeZone china = absl::FixedTimeZone(8 * 3600);
  std::vector<kaiku::v1::Event> events;
  while (csv.Next()) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(csv.Field(kTimestamp), &seconds) || seconds <= 0 ||
        seconds > kMaxUnixSeconds)
      return csv.Error(kTimestamp, "must be Unix seconds");
    for (int column : {kUser, kItem, kCategory}) {
      if (csv.Field(column).empty()) return csv.Error(column, "is empty");
    }
    const absl::string_view item = csv.Field(kItem);
    kaiku::v1::Event e;
    e.set_event_id(absl::StrFormat("tb-%08d", csv.line()));
    e.set_visitor_id(absl::StrCat("tb-", csv.Field(kUser)));
    e.mutable_occurred_at()->set_seconds(seconds);
    e.set_session_id(absl::StrCat(
        e.visitor_id(), "-",
        absl::FormatTime("%Y%m%d", absl::FromUnixSeconds(seconds), china)));
    const absl::string_view behavior = csv.Field(kBehavior);
    if (behavior == "pv") {
      e.mutable_page_view()->set_url(absl::StrCat(
          "https://taobao.example/products/", csv.Field(kCategory), "/", item));
    } else if (behavior == "fav") {
      e.mutable_page_view()->set_url(
          absl::StrCat("https://taobao.example/wishlist/add?item=", item));
    } else if (behavior == "cart") {
      e.mutable_page_view()->set_url(
          absl::StrCat("https://taobao.example/cart?item=", item));
    } else if (behavior == "buy") {
      e.mutable_conversion()->set_order_id(e.event_id());
    } else {
      return csv.Error(
          kBehavior,
          absl::StrCat("\"", behavior, "\" is not pv, fav, cart or buy"));
    }
    events.push_back(std::move(e));
  }
  RETURN_IF_ERROR(csv.status());
  return events;
}

}  // namespace kaiku::replay
