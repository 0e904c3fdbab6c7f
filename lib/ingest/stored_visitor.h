// A visitor's stored scoring record, and reading it for the read side
// (GetVisitor, ListLeads).
//
// Stored payload (the state part of the visitor_state column family, see
// lib/storage/key_codec.h):
//   u8 flags (bit 0: the visitor is in the leads index) | encoded VisitorState
#ifndef KAIKU_LIB_INGEST_STORED_VISITOR_H_
#define KAIKU_LIB_INGEST_STORED_VISITOR_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/scoring/scorer.h"
#include "lib/scoring/visitor_state.h"
#include "lib/storage/store.h"

namespace kaiku::ingest {

struct StoredVisitor {
  scoring::VisitorState state;
  bool lead = false;
};

std::string EncodeStoredVisitor(const StoredVisitor& visitor);
// DATA_LOSS for bytes this code did not write.
absl::StatusOr<StoredVisitor> DecodeStoredVisitor(absl::string_view bytes);

// All stored events of the visitor, in timeline order.
absl::StatusOr<std::vector<kaiku::v1::Event>> ReadWholeTimeline(
    storage::Store& store, absl::string_view tenant,
    absl::string_view visitor_id);

// The visitor's state as the scorer's model sees it: the stored one, or — when
// it was computed by another model, or there is none but the timeline has
// events — recomputed from the timeline (not stored). nullopt when the tenant
// has no events of the visitor.
absl::StatusOr<std::optional<scoring::VisitorState>> ReadVisitorState(
    storage::Store& store, const scoring::Scorer& scorer,
    absl::string_view tenant, absl::string_view visitor_id);

}  // namespace kaiku::ingest

#endif  // KAIKU_LIB_INGEST_STORED_VISITOR_H_
