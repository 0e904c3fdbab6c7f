#include "lib/auth/authenticator.h"

#include <openssl/evp.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace kaiku::auth {
namespace {

bool IsTenantName(absl::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

bool IsHexSha256(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!(absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

absl::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kIngest:
      return "ingest";
    case Scope::kSubscribe:
      return "subscribe";
    case Scope::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::string HashApiKey(absl::string_view key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(key.data(), key.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

Authenticator Authenticator::AllowAll() { return Authenticator(); }

absl::StatusOr<Authenticator> Authenticator::FromKeyFile(
    const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read keys file ", path));
  std::stringstream contents;
  contents << in.rdbuf();
  return FromKeyFileContents(contents.str(), path);
}

absl::StatusOr<Authenticator> Authenticator::FromKeyFileContents(
    absl::string_view contents, absl::string_view source) {
  Authenticator auth;
  auth.requires_keys_ = true;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(contents, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    auto error = [&](absl::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", line_number, ": ", what));
    };
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() != 3) {
      return error("expected three fields: <sha256 of key> <tenant> <scopes>");
    }
    if (!IsHexSha256(fields[0])) {
      return error(
          "the key hash must be 64 lower-case hex digits (kaikuctl hash-key "
          "KEY)");
    }
    if (!IsTenantName(fields[1])) {
      return error(absl::StrCat("tenant \"", fields[1],
                                "\" must be 1..64 of [a-z0-9_-]"));
    }
    Principal principal{std::string(fields[1]), 0};
    for (absl::string_view scope : absl::StrSplit(fields[2], ',')) {
      if (scope == "ingest") {
        principal.scopes |= static_cast<uint32_t>(Scope::kIngest);
      } else if (scope == "subscribe") {
        principal.scopes |= static_cast<uint32_t>(Scope::kSubscribe);
      } else if (scope == "admin") {
        principal.scopes |= static_cast<uint32_t>(Scope::kAdmin);
      } else {
        return error(absl::StrCat("unknown scope \"", scope,
                                  "\" (scopes are ingest, subscribe, admin)"));
      }
    }
    if (!auth.by_hash_.emplace(std::string(fields[0]), std::move(principal))
             .second) {
      return error("the same key hash is listed twice");
    }
  }
  return auth;
}

absl::StatusOr<Principal> Authenticator::Authenticate(
    std::optional<absl::string_view> authorization) const {
  if (!requires_keys_) {
    return Principal{std::string(kDefaultTenant),
                     static_cast<uint32_t>(Scope::kIngest) |
                         static_cast<uint32_t>(Scope::kSubscribe) |
                         static_cast<uint32_t>(Scope::kAdmin)};
  }
  if (!authorization.has_value() || authorization->empty()) {
    return absl::UnauthenticatedError(
        "missing API key: send the metadata \"authorization: Bearer <key>\"");
  }
  absl::string_view value = *authorization;
  if (!absl::ConsumePrefix(&value, "Bearer ") &&
      !absl::ConsumePrefix(&value, "bearer ")) {
    return absl::UnauthenticatedError(
        "malformed authorization metadata: expected \"Bearer <key>\"");
  }
  value = absl::StripAsciiWhitespace(value);
  auto it = by_hash_.find(HashApiKey(value));
  if (it == by_hash_.end())
    return absl::UnauthenticatedError("unknown API key");
  return it->second;
}

absl::Status Authenticator::Require(const Principal& principal, Scope scope) {
  if (principal.Has(scope)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("the API key of tenant \"", principal.tenant,
                   "\" lacks the scope \"", ScopeName(scope), "\""));
}

}  // namespace kaiku::auth
