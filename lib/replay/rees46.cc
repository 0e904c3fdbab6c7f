// REES46 Open CDP "eCommerce behavior data from multi category store":
//   event_time ("2019-10-01 00:00:00 UTC"),event_type,product_id,category_id,
//   category_code,brand,price,user_id,user_session
//
//   view     -> PageView https://rees46.example/products/<category
//   path>/<product_id>
//               (the category path is category_code with dots as slashes,
//               else the category_id)
//   cart     -> PageView https://rees46.example/cart?product=<product_id>
//   purchase -> Conversion{order_id = event_id, value = price}
// session_id is user_session (a row without one is context only); the data has
// no dwell (Kaiku infers it from the gaps) and 1-second timestamps.
#include <cmath>
#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "lib/common/status_macros.h"
#include "lib/replay/csv.h"
#include "lib/replay/dataset.h"

namespace kaiku::replay {

absl::StatusOr<std::vector<kaiku::v1::Event>> MapRees46(
    std::istream& in, const std::string& source) {
  enum {
    kTime,
    kType,
    kProduct,
    kCategory,
    kCategoryCode,
    kPrice,
    kUser,
    kSession
  };
  ASSIGN_OR_RETURN(
      CsvReader csv,
      CsvReader::Open(in, source,
                      {"event_time", "event_type", "product_id", "category_id",
                       "category_code", "price", "user_id", "user_session"}));
  std::vector<kaiku::v1::Event> events;
  while (csv.Next()) {
    absl::string_view text = csv.Field(kTime);
    absl::ConsumeSuffix(&text, " UTC");
    absl::Time time;
    std::string error;
    if (!absl::ParseTime("%Y-%m-%d %H:%M:%S", text, absl::UTCTimeZone(), &time,
                         &error)) {
      return csv.Error(
          kTime, absl::StrCat("must be \"YYYY-MM-DD HH:MM:SS UTC\": ", error));
    }
    if (time < absl::UnixEpoch() ||
        time > absl::FromUnixSeconds(kMaxUnixSeconds)) {
      return csv.Error(kTime, "must be between 1970 and 9999");
    }
    for (int column : {kProduct, kUser}) {
      if (csv.Field(column).empty()) return csv.Error(column, "is empty");
    }
    const absl::string_view product = csv.Field(kProduct);
    kaiku::v1::Event e;
    e.set_event_id(absl::StrFormat("rr-%08d", csv.line()));
    e.set_visitor_id(absl::StrCat("rr-", csv.Field(kUser)));
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(time));
    if (!csv.Field(kSession).empty())
      e.set_session_id(std::string(csv.Field(kSession)));
    const absl::string_view type = csv.Field(kType);
    if (type == "view") {
      const std::string category =
          csv.Field(kCategoryCode).empty()
              ? std::string(csv.Field(kCategory))
              : absl::StrReplaceAll(csv.Field(kCategoryCode), {{".", "/"}});
      e.mutable_page_view()->set_url(absl::StrCat(
          "https://rees46.example/products/", category, "/", product));
    } else if (type == "cart") {
      e.mutable_page_view()->set_url(
          absl::StrCat("https://rees46.example/cart?product=", product));
    } else if (type == "purchase") {
      double price = 0;
      if (!absl::SimpleAtod(csv.Field(kPrice), &price) ||
          !std::isfinite(price) || price < 0) {
        return csv.Error(kPrice, "must be a non-negative number");
      }
      e.mutable_conversion()->set_order_id(e.event_id());
      e.mutable_conversion()->set_value(price);
    } else {
      return csv.Error(
          kType, absl::StrCat("\"", type, "\" is not view, cart or purchase"));
    }
    events.push_back(std::move(e));
  }
  RETURN_IF_ERROR(csv.status());
  return events;
}

}  // namespace kaiku::replay
