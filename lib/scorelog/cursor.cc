#include "lib/scorelog/cursor.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "lib/common/fnv.h"

namespace kaiku::scorelog {
namespace {

constexpr uint8_t kVersion = 1;

void AppendBigEndian(uint64_t v, int bytes, std::string* out) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xff));
}

uint64_t ReadBigEndian(absl::string_view in) {
  uint64_t v = 0;
  for (char c : in) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

}  // namespace

std::string EncodeCursor(absl::string_view tenant, uint64_t sequence) {
  std::string raw(1, static_cast<char>(kVersion));
  AppendBigEndian(Fnv1a32(tenant), 4, &raw);
  AppendBigEndian(sequence, 8, &raw);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<uint64_t> DecodeCursor(absl::string_view tenant,
                                      absl::string_view cursor,
                                      absl::string_view field) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(cursor, &raw) || raw.size() != 13 ||
      static_cast<uint8_t>(raw[0]) != kVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not a cursor from this server"));
  }
  if (ReadBigEndian(absl::string_view(raw).substr(1, 4)) != Fnv1a32(tenant)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": a cursor of another tenant"));
  }
  return ReadBigEndian(absl::string_view(raw).substr(5, 8));
}

std::string EventId(uint64_t sequence) { return absl::StrCat(sequence); }

}  // namespace kaiku::scorelog
