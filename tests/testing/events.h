// Builders of valid events for tests.
#ifndef KAIKU_TESTS_TESTING_EVENTS_H_
#define KAIKU_TESTS_TESTING_EVENTS_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "kaiku/v1/event.pb.h"

namespace kaiku::testing {

inline void SetTime(absl::Time t, google::protobuf::Timestamp* ts) {
  ts->set_seconds(absl::ToUnixSeconds(t));
  ts->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(
      t - absl::FromUnixSeconds(absl::ToUnixSeconds(t)))));
}

// A valid page view.
inline kaiku::v1::Event PageView(
    const std::string& event_id, const std::string& visitor, absl::Time at,
    const std::string& url = "https://x.example/") {
  kaiku::v1::Event e;
  e.set_event_id(event_id);
  e.set_visitor_id(visitor);
  SetTime(at, e.mutable_occurred_at());
  e.mutable_page_view()->set_url(url);
  return e;
}

// An event of visitor "v" at `micros` (Unix microseconds) in `session`, its
// kind not set.
inline kaiku::v1::Event EventAt(const std::string& event_id, int64_t micros,
                                const std::string& session) {
  kaiku::v1::Event e;
  e.set_event_id(event_id);
  e.set_visitor_id("v");
  e.set_session_id(session);
  SetTime(absl::FromUnixMicros(micros), e.mutable_occurred_at());
  return e;
}

// A page view of https://shop.example<path>, as EventAt.
inline kaiku::v1::Event ShopPageAt(const std::string& event_id, int64_t micros,
                                   const std::string& session,
                                   const std::string& path) {
  kaiku::v1::Event e = EventAt(event_id, micros, session);
  e.mutable_page_view()->set_url(absl::StrCat("https://shop.example", path));
  return e;
}

// The events as JSON lines, as `kaikuctl publish` reads them.
inline std::string Jsonl(const std::vector<kaiku::v1::Event>& events) {
  std::string out;
  for (const kaiku::v1::Event& e : events) {
    std::string line;
    (void)google::protobuf::util::MessageToJsonString(e, &line);
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

}  // namespace kaiku::testing

#endif  // KAIKU_TESTS_TESTING_EVENTS_H_
