#include "lib/ingest/stored_visitor.h"

#include <utility>

#include "lib/common/status_macros.h"
#include "lib/scoring/fold.h"

namespace kaiku::ingest {

std::string EncodeStoredVisitor(const StoredVisitor& visitor) {
  std::string bytes(1, static_cast<char>(visitor.lead ? 1 : 0));
  bytes += scoring::EncodeVisitorState(visitor.state);
  return bytes;
}

absl::StatusOr<StoredVisitor> DecodeStoredVisitor(absl::string_view bytes) {
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) > 1)
    return absl::DataLossError("visitor record: bad flags");
  StoredVisitor visitor;
  visitor.lead = bytes[0] == 1;
  ASSIGN_OR_RETURN(visitor.state, scoring::DecodeVisitorState(bytes.substr(1)));
  return visitor;
}

absl::StatusOr<std::vector<kaiku::v1::Event>> ReadWholeTimeline(
    storage::Store& store, absl::string_view tenant,
    absl::string_view visitor_id) {
  std::vector<kaiku::v1::Event> events;
  std::optional<storage::TimelinePosition> after;
  do {
    ASSIGN_OR_RETURN(storage::TimelinePage page,
                     store.ReadTimeline(tenant, visitor_id,
                                        after ? &*after : nullptr, 1000));
    for (kaiku::v1::Event& e : page.events) events.push_back(std::move(e));
    after = std::move(page.next);
  } while (after.has_value());
  return events;
}

absl::StatusOr<std::optional<scoring::VisitorState>> ReadVisitorState(
    storage::Store& store, const scoring::Scorer& scorer,
    absl::string_view tenant, absl::string_view visitor_id) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   store.GetVisitorState(tenant, visitor_id));
  scoring::Published published;
  if (bytes.has_value()) {
    absl::StatusOr<StoredVisitor> stored = DecodeStoredVisitor(*bytes);
    if (stored.ok() && scorer.Compatible(stored->state))
      return std::move(stored->state);
    if (stored.ok()) published = stored->state.published;
  }
  ASSIGN_OR_RETURN(std::vector<kaiku::v1::Event> events,
                   ReadWholeTimeline(store, tenant, visitor_id));
  if (events.empty()) return std::nullopt;
  scoring::VisitorState state = scoring::FoldTimeline(scorer, events);
  state.published = published;
  return state;
}

}  // namespace kaiku::ingest
