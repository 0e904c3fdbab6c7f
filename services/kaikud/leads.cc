#include "services/kaikud/leads.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "lib/common/status_macros.h"
#include "lib/ingest/stored_visitor.h"

namespace kaiku::kaikud {

using ::google::protobuf::util::TimeUtil;

absl::Status ListLeads(storage::Store& store, const scoring::Scorer& scorer,
                       const std::string& tenant,
                       const kaiku::v1::ListLeadsRequest& request,
                       absl::Time now, kaiku::v1::ListLeadsResponse* response) {
  int limit = request.limit();
  if (limit < 0 || limit > kMaxLeadsLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit: must be 0..", kMaxLeadsLimit));
  }
  if (limit == 0) limit = kDefaultLeadsLimit;
  if (!kaiku::v1::Level_IsValid(request.min_level())) {
    return absl::InvalidArgumentError("min_level: not a Level");
  }
  const kaiku::v1::Level min_level =
      request.min_level() == kaiku::v1::LEVEL_UNSPECIFIED
          ? kaiku::v1::LEVEL_WARM
          : request.min_level();

  std::vector<std::string> candidates;
  RETURN_IF_ERROR(store.ForEachLead(
      tenant, [&](absl::string_view, absl::string_view visitor_id) {
        candidates.emplace_back(visitor_id);
      }));
  const int64_t now_micros = absl::ToUnixMicros(now);
  std::vector<kaiku::v1::Lead> leads;
  for (const std::string& visitor_id : candidates) {
    ASSIGN_OR_RETURN(
        std::optional<scoring::VisitorState> state,
        ingest::ReadVisitorState(store, scorer, tenant, visitor_id));
    if (!state.has_value()) continue;
    const scoring::Scorer::View view =
        scorer.Evaluate(*state, std::max(now_micros, state->last_event));
    if (view.level < min_level) continue;
    kaiku::v1::Lead& lead = leads.emplace_back();
    lead.set_visitor_id(visitor_id);
    lead.set_score(view.score);
    lead.set_level(view.level);
    lead.set_segment(view.segment);
    lead.set_stage(view.stage);
    *lead.mutable_last_seen() =
        TimeUtil::MicrosecondsToTimestamp(state->last_event);
  }
  const auto hotter = [](const kaiku::v1::Lead& a, const kaiku::v1::Lead& b) {
    if (a.score() != b.score()) return a.score() > b.score();
    return a.visitor_id() < b.visitor_id();
  };
  const size_t n = std::min(leads.size(), static_cast<size_t>(limit));
  std::partial_sort(leads.begin(), leads.begin() + n, leads.end(), hotter);
  for (size_t i = 0; i < n; ++i) *response->add_leads() = std::move(leads[i]);
  return absl::OkStatus();
}

}  // namespace kaiku::kaikud
