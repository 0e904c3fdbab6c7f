#include "lib/events/validation.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"

namespace kaiku::events {
namespace {

using ::google::protobuf::util::TimeUtil;
using Violations = std::vector<FieldViolation>;

void Add(Violations* out, std::string field, std::string description) {
  out->push_back({std::move(field), std::move(description)});
}

bool IsIdChar(char c) { return c > 0x20 && c < 0x7f; }

// An identifier: 1..kMaxIdBytes of printable ASCII without spaces.
void CheckId(const std::string& field, const std::string& value, bool required,
             Violations* out) {
  if (value.empty()) {
    if (required) Add(out, field, "is required");
    return;
  }
  if (value.size() > kMaxIdBytes) {
    Add(out, field,
        absl::StrCat("is ", value.size(), " bytes; at most ", kMaxIdBytes,
                     " allowed"));
    return;
  }
  for (char c : value) {
    if (!IsIdChar(c)) {
      Add(out, field, "must be printable ASCII without spaces");
      return;
    }
  }
}

// An absolute http(s) URL or a path starting with "/", without spaces or
// control characters.
void CheckUrl(const std::string& field, const std::string& value, bool required,
              Violations* out) {
  if (value.empty()) {
    if (required) Add(out, field, "is required");
    return;
  }
  if (value.size() > kMaxUrlBytes) {
    Add(out, field,
        absl::StrCat("is ", value.size(), " bytes; at most ", kMaxUrlBytes,
                     " allowed"));
    return;
  }
  if (!absl::StartsWithIgnoreCase(value, "http://") &&
      !absl::StartsWithIgnoreCase(value, "https://") && value[0] != '/') {
    Add(out, field,
        "must be an absolute http(s) URL or a path starting with \"/\"");
    return;
  }
  for (unsigned char c : value) {
    if (c <= 0x20 || c == 0x7f) {
      Add(out, field,
          "must not contain spaces or control characters (percent-encode "
          "them)");
      return;
    }
  }
}

void CheckText(const std::string& field, const std::string& value,
               size_t max_bytes, Violations* out) {
  if (value.size() > max_bytes) {
    Add(out, field,
        absl::StrCat("is ", value.size(), " bytes; at most ", max_bytes,
                     " allowed"));
  }
}

template <typename EnumValid>
void CheckEnum(const std::string& field, int value, EnumValid is_valid,
               Violations* out) {
  if (value == 0) {
    Add(out, field, "is required");
  } else if (!is_valid(value)) {
    Add(out, field, absl::StrCat("has unknown value ", value));
  }
}

void CheckOccurredAt(const kaiku::v1::Event& event, absl::Time now,
                     const ValidationOptions& options, Violations* out) {
  if (!event.has_occurred_at()) {
    Add(out, "occurred_at", "is required");
    return;
  }
  const google::protobuf::Timestamp& ts = event.occurred_at();
  if (ts.seconds() < TimeUtil::kTimestampMinSeconds ||
      ts.seconds() > TimeUtil::kTimestampMaxSeconds || ts.nanos() < 0 ||
      ts.nanos() > 999999999) {
    Add(out, "occurred_at", "is not a valid timestamp");
    return;
  }
  absl::Time t =
      absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  if (t > now + options.max_future_skew) {
    Add(out, "occurred_at",
        absl::StrCat(
            "is ", absl::FormatDuration(absl::Trunc(t - now, absl::Seconds(1))),
            " in the future; at most ",
            absl::FormatDuration(options.max_future_skew), " allowed"));
  } else if (t < now - options.retention) {
    Add(out, "occurred_at",
        absl::StrCat("is older than the retention of ",
                     absl::FormatDuration(options.retention)));
  }
}

void CheckKind(const kaiku::v1::Event& event, Violations* out) {
  using E = kaiku::v1::Event;
  switch (event.kind_case()) {
    case E::KIND_NOT_SET:
      Add(out, "kind",
          "is required: set exactly one of page_view, engagement, "
          "price_list_view, download, "
          "chat, form_submit, identify, conversion");
      break;
    case E::kPageView: {
      const auto& k = event.page_view();
      CheckUrl("page_view.url", k.url(), true, out);
      CheckText("page_view.title", k.title(), kMaxTitleBytes, out);
      CheckUrl("page_view.referrer", k.referrer(), false, out);
      if (!kaiku::v1::PageType_IsValid(k.page_type())) {
        Add(out, "page_view.page_type",
            absl::StrCat("has unknown value ", k.page_type()));
      }
      break;
    }
    case E::kEngagement: {
      const auto& k = event.engagement();
      CheckUrl("engagement.url", k.url(), true, out);
      if (!k.has_engaged_time()) {
        Add(out, "engagement.engaged_time", "is required");
      } else {
        absl::Duration d = absl::Seconds(k.engaged_time().seconds()) +
                           absl::Nanoseconds(k.engaged_time().nanos());
        if (d <= absl::ZeroDuration() || d > kMaxEngagedTime) {
          Add(out, "engagement.engaged_time",
              absl::StrCat("must be more than 0 and at most ",
                           absl::FormatDuration(kMaxEngagedTime)));
        }
      }
      break;
    }
    case E::kPriceListView:
      CheckUrl("price_list_view.url", event.price_list_view().url(), true, out);
      CheckId("price_list_view.price_list_id",
              event.price_list_view().price_list_id(), false, out);
      break;
    case E::kDownload:
      CheckUrl("download.url", event.download().url(), true, out);
      CheckEnum("download.asset_kind", event.download().asset_kind(),
                kaiku::v1::AssetKind_IsValid, out);
      break;
    case E::kChat:
      CheckEnum("chat.intent", event.chat().intent(),
                kaiku::v1::ChatIntent_IsValid, out);
      break;
    case E::kFormSubmit:
      CheckEnum("form_submit.form_kind", event.form_submit().form_kind(),
                kaiku::v1::FormKind_IsValid, out);
      break;
    case E::kIdentify: {
      const auto& k = event.identify();
      if (k.contact_id().empty() && k.account_id().empty()) {
        Add(out, "identify", "needs contact_id or account_id");
      }
      CheckId("identify.contact_id", k.contact_id(), false, out);
      CheckId("identify.account_id", k.account_id(), false, out);
      break;
    }
    case E::kConversion: {
      const auto& k = event.conversion();
      CheckId("conversion.order_id", k.order_id(), true, out);
      if (!std::isfinite(k.value()) || k.value() < 0) {
        Add(out, "conversion.value", "must be finite and not negative");
      }
      const std::string& c = k.currency();
      if (!c.empty() &&
          (c.size() != 3 || !absl::ascii_isupper(c[0]) ||
           !absl::ascii_isupper(c[1]) || !absl::ascii_isupper(c[2]))) {
        Add(out, "conversion.currency",
            "must be an ISO 4217 code such as \"EUR\"");
      }
      break;
    }
  }
}

}  // namespace

std::vector<FieldViolation> ValidateEvent(const kaiku::v1::Event& event,
                                          absl::Time now,
                                          const ValidationOptions& options) {
  Violations out;
  CheckId("event_id", event.event_id(), true, &out);
  CheckId("visitor_id", event.visitor_id(), true, &out);
  CheckId("session_id", event.session_id(), false, &out);
  CheckOccurredAt(event, now, options, &out);
  CheckKind(event, &out);
  return out;
}

std::vector<FieldViolation> ValidatePublishRequest(
    const kaiku::v1::PublishRequest& request) {
  Violations out;
  if (request.events_size() > kMaxEventsPerRequest) {
    Add(&out, "events",
        absl::StrCat("has ", request.events_size(), " events; at most ",
                     kMaxEventsPerRequest, " per request allowed"));
  }
  return out;
}

std::string EventFieldPath(int index, const std::string& path) {
  return absl::StrCat("events[", index, "].", path);
}

}  // namespace kaiku::events
