// Builds a VisitorProfile from the store: the visitor's score, level, segment,
// stage and explanation as of `now`, statistics over the whole timeline and one
// page of it. Blocking (storage reads); run it off gRPC threads.
#ifndef KAIKU_SERVICES_KAIKUD_VISITOR_PROFILE_H_
#define KAIKU_SERVICES_KAIKUD_VISITOR_PROFILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kaiku/v1/scores.pb.h"
#include "lib/scoring/scorer.h"
#include "lib/storage/store.h"

namespace kaiku::kaikud {

// Default and largest GetVisitorRequest.timeline_page_size.
inline constexpr int kDefaultTimelinePageSize = 100;
inline constexpr int kMaxTimelinePageSize = 1000;
// NOT_FOUND when the tenant has no events of the visitor; INVALID_ARGUMENT
// (with the field named) for a bad request.
absl::Status ReadVisitorProfile(storage::Store& store,
                                const scoring::Scorer& scorer,
                                const std::string& tenant,
                                const kaiku::v1::GetVisitorRequest& request,
                                absl::Time now,
                                kaiku::v1::VisitorProfile* profile);

// Opaque page tokens: web-safe base64 of the position after which the next page
// starts.
std::string EncodePageToken(const storage::TimelinePosition& position);
bool DecodePageToken(const std::string& token,
                     storage::TimelinePosition* position);

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_VISITOR_PROFILE_H_
