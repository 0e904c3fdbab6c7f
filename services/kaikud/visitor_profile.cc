#include "services/kaikud/visitor_profile.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "lib/common/status_macros.h"
#include "lib/events/validation.h"
#include "lib/ingest/stored_visitor.h"
#include "lib/storage/key_codec.h"

namespace kaiku::kaikud {

using ::google::protobuf::util::TimeUtil;

std::string EncodePageToken(const storage::TimelinePosition& position) {
  std::string raw;
  storage::AppendTimeMicros(position.event_time_micros, &raw);
  raw += position.event_id;
  return absl::WebSafeBase64Escape(raw);
}

bool DecodePageToken(const std::string& token,
                     storage::TimelinePosition* position) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() <= 8 ||
      raw.size() > 8 + events::kMaxIdBytes) {
    return false;
  }
  position->event_time_micros = storage::DecodeTimeMicros(raw);
  position->event_id = raw.substr(8);
  return true;
}

absl::Status ReadVisitorProfile(storage::Store& store,
                                const scoring::Scorer& scorer,
                                const std::string& tenant,
                                const kaiku::v1::GetVisitorRequest& request,
                                absl::Time now,
                                kaiku::v1::VisitorProfile* profile) {
  const std::string& visitor = request.visitor_id();
  if (visitor.empty() || visitor.size() > events::kMaxIdBytes) {
    return absl::InvalidArgumentError("visitor_id: must be 1..128 bytes");
  }
  int page_size = request.timeline_page_size();
  if (page_size < 0 || page_size > kMaxTimelinePageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("timeline_page_size: must be 0..", kMaxTimelinePageSize));
  }
  if (page_size == 0) page_size = kDefaultTimelinePageSize;
  storage::TimelinePosition after;
  const bool has_token = !request.timeline_page_token().empty();
  if (has_token && !DecodePageToken(request.timeline_page_token(), &after)) {
    return absl::InvalidArgumentError(
        "timeline_page_token: not a token from this server");
  }

  ASSIGN_OR_RETURN(std::optional<scoring::VisitorState> state,
                   ingest::ReadVisitorState(store, scorer, tenant, visitor));
  if (!state.has_value()) {
    return absl::NotFoundError(absl::StrCat("no events of visitor ", visitor));
  }
  ASSIGN_OR_RETURN(storage::TimelinePage page,
                   store.ReadTimeline(tenant, visitor,
                                      has_token ? &after : nullptr, page_size));
  const int64_t at = std::max(absl::ToUnixMicros(now), state->last_event);
  const scoring::Scorer::View view = scorer.Evaluate(*state, at);
  profile->set_visitor_id(visitor);
  profile->set_score(view.score);
  profile->set_level(view.level);
  profile->set_segment(view.segment);
  profile->set_stage(view.stage);
  scorer.Explain(*state, at, profile->mutable_explanation());
  profile->set_model_version(scorer.model().version());
  profile->set_event_count(state->event_count);
  *profile->mutable_first_seen() =
      TimeUtil::MicrosecondsToTimestamp(state->first_seen);
  *profile->mutable_last_seen() =
      TimeUtil::MicrosecondsToTimestamp(state->last_event);
  profile->set_session_count(state->session_count);
  for (kaiku::v1::Event& e : page.events)
    *profile->add_timeline() = std::move(e);
  if (page.next.has_value()) {
    profile->set_next_timeline_page_token(EncodePageToken(*page.next));
  }
  return absl::OkStatus();
}

}  // namespace kaiku::kaikud
