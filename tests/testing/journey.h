// A visitor's journey through a site, as the events a site backend would send:
//
//   Journey buyer("v-buyer", absl::FromUnixSeconds(1767225600));
//   buyer.Page("https://shop.example/products/boat", absl::Minutes(3))
//        .Page("https://shop.example/pricing", absl::Minutes(2))
//        .Download(kaiku::v1::ASSET_KIND_BROCHURE);
//
// Page(url, dwell) sends a page view now and moves the clock by `dwell` (the
// time until the next event); the other actions take `after` (default 5 s).
// Event ids are "<visitor>-<n>".
#ifndef KAIKU_TESTS_TESTING_JOURNEY_H_
#define KAIKU_TESTS_TESTING_JOURNEY_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "kaiku/v1/event.pb.h"
#include "tests/testing/events.h"

namespace kaiku::testing {

class Journey {
 public:
  Journey(std::string visitor, absl::Time start)
      : visitor_(std::move(visitor)), now_(start) {}

  Journey& Page(const std::string& url, absl::Duration dwell) {
    Next(dwell).mutable_page_view()->set_url(url);
    return *this;
  }
  Journey& Wait(absl::Duration d) {
    now_ += d;
    return *this;
  }
  Journey& PriceList(absl::Duration after = absl::Seconds(5)) {
    Next(after).mutable_price_list_view()->set_price_list_id("main");
    return *this;
  }
  Journey& Download(kaiku::v1::AssetKind kind,
                    absl::Duration after = absl::Seconds(5)) {
    kaiku::v1::Event& e = Next(after);
    e.mutable_download()->set_url("https://x.example/files/asset.pdf");
    e.mutable_download()->set_asset_kind(kind);
    return *this;
  }
  Journey& Chat(kaiku::v1::ChatIntent intent,
                absl::Duration after = absl::Seconds(5)) {
    Next(after).mutable_chat()->set_intent(intent);
    return *this;
  }
  Journey& Form(kaiku::v1::FormKind kind,
                absl::Duration after = absl::Seconds(5)) {
    Next(after).mutable_form_submit()->set_form_kind(kind);
    return *this;
  }
  Journey& Convert(absl::Duration after = absl::Seconds(5)) {
    kaiku::v1::Conversion* c = Next(after).mutable_conversion();
    c->set_order_id(absl::StrCat(visitor_, "-order"));
    c->set_value(100);
    c->set_currency("EUR");
    return *this;
  }

  const std::string& visitor() const { return visitor_; }
  absl::Time now() const { return now_; }
  const std::vector<kaiku::v1::Event>& events() const { return events_; }

 private:
  kaiku::v1::Event& Next(absl::Duration after) {
    kaiku::v1::Event& e = events_.emplace_back();
    e.set_event_id(absl::StrCat(visitor_, "-", events_.size()));
    e.set_visitor_id(visitor_);
    SetTime(now_, e.mutable_occurred_at());
    now_ += after;
    return e;
  }

  std::string visitor_;
  absl::Time now_;
  std::vector<kaiku::v1::Event> events_;
};

}  // namespace kaiku::testing

#endif  // KAIKU_TESTS_TESTING_JOURNEY_H_
