// Scores.ListLeads: the tenant's hottest visitors now. Candidates come from the
// leads index (visitors at WARM or above, or cooling down); each is evaluated
// at `now`, so a visitor who went quiet is ranked by the score they have now.
// Blocking (storage reads); run it off gRPC threads.
#ifndef KAIKU_SERVICES_KAIKUD_LEADS_H_
#define KAIKU_SERVICES_KAIKUD_LEADS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kaiku/v1/scores.pb.h"
#include "lib/scoring/scorer.h"
#include "lib/storage/store.h"

namespace kaiku::kaikud {

// Default and largest ListLeadsRequest.limit.
inline constexpr int kDefaultLeadsLimit = 50;
inline constexpr int kMaxLeadsLimit = 1000;

// INVALID_ARGUMENT naming the field for a bad request.
absl::Status ListLeads(storage::Store& store, const scoring::Scorer& scorer,
                       const std::string& tenant,
                       const kaiku::v1::ListLeadsRequest& request,
                       absl::Time now, kaiku::v1::ListLeadsResponse* response);

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_LEADS_H_
