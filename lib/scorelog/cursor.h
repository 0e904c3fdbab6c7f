// Score-stream cursors and event ids.
//
// A cursor is opaque to clients: web-safe base64 of
//   u8 version (1) | fixed32 FNV-1a hash of the tenant | u64 sequence number
// (all big-endian). It names the position after the entry with that sequence
// number; a cursor of another tenant is refused. An event's id is its sequence
// number in decimal: stable across re-deliveries, unique within the tenant.
#ifndef KAIKU_LIB_SCORELOG_CURSOR_H_
#define KAIKU_LIB_SCORELOG_CURSOR_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kaiku::scorelog {

std::string EncodeCursor(absl::string_view tenant, uint64_t sequence);

// The sequence number; INVALID_ARGUMENT naming `field` when `cursor` is not one
// of this tenant's cursors.
absl::StatusOr<uint64_t> DecodeCursor(absl::string_view tenant,
                                      absl::string_view cursor,
                                      absl::string_view field);

std::string EventId(uint64_t sequence);

}  // namespace kaiku::scorelog

#endif  // KAIKU_LIB_SCORELOG_CURSOR_H_
