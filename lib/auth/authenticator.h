// API keys, tenants and scopes.
//
// A tenant is one site. Clients send `authorization: Bearer <key>`; the server
// keeps only the SHA-256 of each key, in a keys file, one key per line:
//
//   # sha256(key) in hex                                            tenant
//   scopes 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8
//   acme    ingest,subscribe
//
// Blank lines and lines starting with '#' are ignored. A tenant is 1..64 of
// [a-z0-9_-]; scopes are a comma-separated subset of ingest, subscribe, admin.
// `kaikuctl hash-key KEY` prints the hash of a key.
//
// Without a keys file the server runs one tenant, "default", with every scope
// and no key.
#ifndef KAIKU_LIB_AUTH_AUTHENTICATOR_H_
#define KAIKU_LIB_AUTH_AUTHENTICATOR_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kaiku::auth {

enum class Scope : uint32_t {
  kIngest = 1 << 0,
  kSubscribe = 1 << 1,
  kAdmin = 1 << 2,
};

absl::string_view ScopeName(Scope scope);

// Who is calling.
struct Principal {
  std::string tenant;
  uint32_t scopes = 0;  // bit set of Scope

  bool Has(Scope scope) const {
    return (scopes & static_cast<uint32_t>(scope)) != 0;
  }
};

// The tenant used when the server runs without a keys file.
inline constexpr absl::string_view kDefaultTenant = "default";

// Lower-case hex SHA-256 of an API key.
std::string HashApiKey(absl::string_view key);

// Thread safety: immutable after construction; safe to share.
class Authenticator {
 public:
  // No keys: every call is tenant "default" with every scope.
  static Authenticator AllowAll();
  // Reads a keys file. Errors are INVALID_ARGUMENT naming the file and line.
  static absl::StatusOr<Authenticator> FromKeyFile(const std::string& path);
  // Parses keys-file contents; `source` names them in errors.
  static absl::StatusOr<Authenticator> FromKeyFileContents(
      absl::string_view contents, absl::string_view source);

  // Whether calls must carry a key.
  bool requires_keys() const { return requires_keys_; }

  // `authorization` is the request's authorization header value, if any.
  // UNAUTHENTICATED when a key is required and missing, malformed or unknown.
  absl::StatusOr<Principal> Authenticate(
      std::optional<absl::string_view> authorization) const;

  // PERMISSION_DENIED unless `principal` has `scope`.
  static absl::Status Require(const Principal& principal, Scope scope);

 private:
  Authenticator() = default;

  bool requires_keys_ = false;
  absl::flat_hash_map<std::string, Principal>
      by_hash_;  // key hash -> principal
};

}  // namespace kaiku::auth

#endif  // KAIKU_LIB_AUTH_AUTHENTICATOR_H_
