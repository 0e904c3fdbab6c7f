// Validation of incoming events and publish requests (SPEC §4 "Bad input").
//
// Every rule is a pure function of the message and `now`; a violation names the
// exact field path and the rule, so the client can fix the event. Request-level
// problems (too many events) make the whole request invalid; event-level
// problems reject only that event.
#ifndef KAIKU_LIB_EVENTS_VALIDATION_H_
#define KAIKU_LIB_EVENTS_VALIDATION_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kaiku/v1/event.pb.h"
#include "kaiku/v1/ingest.pb.h"

namespace kaiku::events {

// Limits, as documented in proto/kaiku/v1/event.proto and ingest.proto.
inline constexpr int kMaxEventsPerRequest = 1000;
inline constexpr size_t kMaxRequestBytes = 4 << 20;
inline constexpr size_t kMaxIdBytes = 128;
inline constexpr size_t kMaxUrlBytes = 2048;
inline constexpr size_t kMaxTitleBytes = 512;
inline constexpr absl::Duration kMaxEngagedTime = absl::Hours(24);

struct ValidationOptions {
  // Events older than now - retention are rejected. Default: 90 days.
  absl::Duration retention = absl::Hours(24 * 90);
  // Events later than now + max_future_skew are rejected. Default: 5 minutes.
  absl::Duration max_future_skew = absl::Minutes(5);
};

// One violated rule. `field` is a path such as "page_view.url" (relative to the
// event) or "events[3].page_view.url" (relative to the request).
struct FieldViolation {
  std::string field;
  std::string description;

  bool operator==(const FieldViolation&) const = default;
};

// Checks every rule for one event at server time `now`; returns all violations,
// empty when the event is valid. Paths are relative to the event.
std::vector<FieldViolation> ValidateEvent(const kaiku::v1::Event& event,
                                          absl::Time now,
                                          const ValidationOptions& options);

// Checks the request as a whole (not its events): empty when it is well-formed.
std::vector<FieldViolation> ValidatePublishRequest(
    const kaiku::v1::PublishRequest& request);

// "events[<index>]." + path.
std::string EventFieldPath(int index, const std::string& path);

}  // namespace kaiku::events

#endif  // KAIKU_LIB_EVENTS_VALIDATION_H_
