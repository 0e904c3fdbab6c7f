#include "lib/events/validation.h"

#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/events.h"

namespace kaiku::events {
namespace {

using kaiku::v1::Event;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

Event Valid() {
  return kaiku::testing::PageView("e-1", "v-1", kNow - absl::Minutes(1));
}

struct Case {
  std::string name;
  std::function<void(Event&)> mutate;
  std::string field;        // expected path; empty: the event stays valid
  std::string description;  // expected substring of the description
};

class ValidationTest : public ::testing::TestWithParam<Case> {};

TEST_P(ValidationTest, Rule) {
  const Case& c = GetParam();
  Event e = Valid();
  c.mutate(e);
  std::vector<FieldViolation> violations =
      ValidateEvent(e, kNow, ValidationOptions());
  if (c.field.empty()) {
    EXPECT_THAT(violations, IsEmpty());
    return;
  }
  ASSERT_EQ(violations.size(), 1u) << c.name;
  EXPECT_EQ(violations[0].field, c.field);
  EXPECT_THAT(violations[0].description, HasSubstr(c.description));
}

std::string Repeat(char c, size_t n) { return std::string(n, c); }

INSTANTIATE_TEST_SUITE_P(Rules, ValidationTest,
                         ::
                             testing::
                                 Values(Case{"valid", [](Event&) {}, "", ""},
                                        Case{"event_id_missing",
                                             [](Event& e) {
                                               e.clear_event_id();
                                             },
                                             "event_id", "required"},
                                        Case{"event_id_too_long",
                                             [](Event& e) {
                                               e.set_event_id(Repeat('a', 129));
                                             },
                                             "event_id", "at most 128"},
                                        Case{"event_id_max_ok",
                                             [](Event& e) {
                                               e.set_event_id(Repeat('a', 128));
                                             },
                                             "", ""},
                                        Case{"event_id_space",
                                             [](Event& e) {
                                               e.set_event_id("a b");
                                             },
                                             "event_id", "printable ASCII"},
                                        Case{"visitor_id_missing",
                                             [](Event& e) {
                                               e.clear_visitor_id();
                                             },
                                             "visitor_id", "required"},
                                        Case{"visitor_id_control",
                                             [](Event& e) {
                                               e.set_visitor_id("v\n1");
                                             },
                                             "visitor_id", "printable ASCII"},
                                        Case{"session_id_too_long",
                                             [](Event& e) {
                                               e.set_session_id(
                                                   Repeat('s', 200));
                                             },
                                             "session_id", "at most 128"},
                                        Case{"occurred_at_missing",
                                             [](Event& e) {
                                               e.clear_occurred_at();
                                             },
                                             "occurred_at", "required"},
                                        Case{"occurred_at_bad_nanos",
                                             [](Event& e) {
                                               e.mutable_occurred_at()
                                                   ->set_nanos(-1);
                                             },
                                             "occurred_at",
                                             "not a valid timestamp"},
                                        Case{"occurred_at_future",
                                             [](Event& e) {
                                               kaiku::testing::SetTime(
                                                   kNow + absl::Minutes(6),
                                                   e.mutable_occurred_at());
                                             },
                                             "occurred_at", "in the future"},
                                        Case{"occurred_at_future_within_skew",
                                             [](Event& e) {
                                               kaiku::testing::SetTime(
                                                   kNow + absl::Minutes(4),
                                                   e.mutable_occurred_at());
                                             },
                                             "", ""},
                                        Case{"occurred_at_too_old",
                                             [](Event& e) {
                                               kaiku::testing::SetTime(
                                                   kNow - absl::Hours(24 * 91),
                                                   e.mutable_occurred_at());
                                             },
                                             "occurred_at",
                                             "older than the retention"},
                                        Case{"kind_missing",
                                             [](Event& e) {
                                               e.clear_page_view();
                                             },
                                             "kind", "required"},
                                        Case{"page_view_url_missing",
                                             [](Event& e) {
                                               e.mutable_page_view()
                                                   ->clear_url();
                                             },
                                             "page_view.url", "required"},
                                        Case{"page_view_url_relative",
                                             [](Event& e) {
                                               e.mutable_page_view()->set_url(
                                                   "pricing");
                                             },
                                             "page_view.url", "absolute"},
                                        Case{"page_view_url_path_ok",
                                             [](Event& e) {
                                               e.mutable_page_view()->set_url(
                                                   "/pricing?x=1");
                                             },
                                             "", ""},
                                        Case{"page_view_url_space",
                                             [](Event& e) {
                                               e.mutable_page_view()->set_url(
                                                   "https://x/a b");
                                             },
                                             "page_view.url", "spaces"},
                                        Case{"page_view_url_too_long",
                                             [](Event& e) {
                                               e.mutable_page_view()->set_url(
                                                   "/" + Repeat('a', 2048));
                                             },
                                             "page_view.url", "at most 2048"},
                                        Case{"page_view_title_too_long",
                                             [](Event& e) {
                                               e.mutable_page_view()->set_title(
                                                   Repeat('t', 513));
                                             },
                                             "page_view.title", "at most 512"},
                                        Case{"page_view_referrer_bad",
                                             [](Event& e) {
                                               e.mutable_page_view()
                                                   ->set_referrer("ftp://x");
                                             },
                                             "page_view.referrer", "absolute"},
                                        Case{"page_view_page_type_unknown",
                                             [](Event& e) {
                                               e.mutable_page_view()
                                                   ->set_page_type(
                                                       static_cast<
                                                           kaiku::v1::PageType>(
                                                           99));
                                             },
                                             "page_view.page_type",
                                             "unknown value 99"},
                                        Case{"engagement_time_missing",
                                             [](Event& e) {
                                               e.mutable_engagement()->set_url(
                                                   "/a");
                                             },
                                             "engagement.engaged_time",
                                             "required"},
                                        Case{"engagement_time_zero",
                                             [](Event& e) {
                                               e.mutable_engagement()->set_url(
                                                   "/a");
                                               e.mutable_engagement()
                                                   ->mutable_engaged_time()
                                                   ->set_seconds(0);
                                             },
                                             "engagement.engaged_time",
                                             "more than 0"},
                                        Case{"engagement_time_too_long",
                                             [](Event& e) {
                                               e.mutable_engagement()->set_url(
                                                   "/a");
                                               e.mutable_engagement()
                                                   ->mutable_engaged_time()
                                                   ->set_seconds(25 * 3600);
                                             },
                                             "engagement.engaged_time",
                                             "at most"},
                                        Case{"engagement_url_missing",
                                             [](Event& e) {
                                               e.mutable_engagement()
                                                   ->mutable_engaged_time()
                                                   ->set_seconds(5);
                                             },
                                             "engagement.url", "required"},
                                        Case{"price_list_url_missing",
                                             [](Event& e) {
                                               e.mutable_price_list_view()
                                                   ->set_price_list_id("p");
                                             },
                                             "price_list_view.url", "required"},
                                        Case{"price_list_id_bad",
                                             [](Event& e) {
                                               e.mutable_price_list_view()
                                                   ->set_url("/p");
                                               e.mutable_price_list_view()
                                                   ->set_price_list_id("a b");
                                             },
                                             "price_list_view.price_list_id",
                                             "printable"},
                                        Case{"download_kind_missing",
                                             [](Event& e) {
                                               e.mutable_download()->set_url(
                                                   "/f.pdf");
                                             },
                                             "download.asset_kind", "required"},
                                        Case{"download_url_missing",
                                             [](Event& e) {
                                               e.mutable_download()
                                                   ->set_asset_kind(
                                                       kaiku::v1::
                                                           ASSET_KIND_BROCHURE);
                                             },
                                             "download.url", "required"},
                                        Case{"chat_intent_missing",
                                             [](Event& e) { e.mutable_chat(); },
                                             "chat.intent", "required"},
                                        Case{"chat_intent_unknown",
                                             [](Event& e) {
                                               e.mutable_chat()->set_intent(
                                                   static_cast<
                                                       kaiku::v1::ChatIntent>(
                                                       42));
                                             },
                                             "chat.intent", "unknown value"},
                                        Case{"form_kind_missing",
                                             [](Event& e) {
                                               e.mutable_form_submit();
                                             },
                                             "form_submit.form_kind",
                                             "required"},
                                        Case{"identify_empty",
                                             [](Event& e) {
                                               e.mutable_identify();
                                             },
                                             "identify",
                                             "contact_id or account_id"},
                                        Case{"identify_contact_ok",
                                             [](Event& e) {
                                               e.mutable_identify()
                                                   ->set_contact_id("c-1");
                                             },
                                             "", ""},
                                        Case{"identify_account_too_long",
                                             [](Event& e) {
                                               e.mutable_identify()
                                                   ->set_contact_id("c");
                                               e.mutable_identify()
                                                   ->set_account_id(
                                                       Repeat('a', 129));
                                             },
                                             "identify.account_id",
                                             "at most 128"},
                                        Case{"conversion_order_missing",
                                             [](Event& e) {
                                               e.mutable_conversion()
                                                   ->set_value(10);
                                             },
                                             "conversion.order_id", "required"},
                                        Case{
                                            "conversion_value_negative",
                                            [](Event& e) {
                                              e.mutable_conversion()
                                                  ->set_order_id("o");
                                              e.mutable_conversion()->set_value(
                                                  -1);
                                            },
                                            "conversion.value", "not negative"},
                                        Case{
                                            "conversion_value_nan",
                                            [](Event& e) {
                                              e.mutable_conversion()
                                                  ->set_order_id("o");
                                              e.mutable_conversion()->set_value(
                                                  std::nan(""));
                                            },
                                            "conversion.value", "finite"},
                                        Case{"conversion_currency_bad",
                                             [](Event& e) {
                                               e.mutable_conversion()
                                                   ->set_order_id("o");
                                               e.mutable_conversion()
                                                   ->set_currency("eur");
                                             },
                                             "conversion.currency",
                                             "ISO 4217"}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

TEST(ValidationTest, ReportsEveryViolation) {
  Event e;
  e.mutable_page_view();
  std::vector<FieldViolation> v = ValidateEvent(e, kNow, ValidationOptions());
  EXPECT_THAT(v, ElementsAre(Field(&FieldViolation::field, "event_id"),
                             Field(&FieldViolation::field, "visitor_id"),
                             Field(&FieldViolation::field, "occurred_at"),
                             Field(&FieldViolation::field, "page_view.url")));
}

TEST(ValidationTest, RetentionAndSkewAreOptions) {
  ValidationOptions options;
  options.retention = absl::Hours(1);
  options.max_future_skew = absl::ZeroDuration();
  Event old = kaiku::testing::PageView("e", "v", kNow - absl::Hours(2));
  EXPECT_EQ(ValidateEvent(old, kNow, options).at(0).field, "occurred_at");
  Event future = kaiku::testing::PageView("e", "v", kNow + absl::Seconds(1));
  EXPECT_EQ(ValidateEvent(future, kNow, options).at(0).field, "occurred_at");
}

TEST(ValidatePublishRequestTest, LimitsEventsPerRequest) {
  kaiku::v1::PublishRequest request;
  for (int i = 0; i < kMaxEventsPerRequest; ++i)
    *request.add_events() = Valid();
  EXPECT_THAT(ValidatePublishRequest(request), IsEmpty());
  *request.add_events() = Valid();
  std::vector<FieldViolation> v = ValidatePublishRequest(request);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "events");
  EXPECT_THAT(v[0].description, HasSubstr("at most 1000"));
}

TEST(EventFieldPathTest, PrefixesIndex) {
  EXPECT_EQ(EventFieldPath(3, "visitor_id"), "events[3].visitor_id");
}

}  // namespace
}  // namespace kaiku::events
