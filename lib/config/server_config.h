// kaikud's configuration: defaults, the config file (protobuf text format of
// kaiku.config.v1.ServerConfig), and validation.
//
// Precedence: built-in defaults < config file < command-line flags (applied by
// kaikud).
#ifndef KAIKU_LIB_CONFIG_SERVER_CONFIG_H_
#define KAIKU_LIB_CONFIG_SERVER_CONFIG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kaiku/config/v1/config.pb.h"

namespace kaiku::config {

// Every field set to its documented default.
kaiku::config::v1::ServerConfig DefaultServerConfig();

// Parses text-format contents over the defaults: fields the text sets replace
// the defaults. Errors are INVALID_ARGUMENT naming `source`, line, column and
// field.
absl::StatusOr<kaiku::config::v1::ServerConfig> ParseServerConfig(
    absl::string_view text, absl::string_view source);

// Reads and parses a config file (see ParseServerConfig).
absl::StatusOr<kaiku::config::v1::ServerConfig> LoadServerConfig(
    const std::string& path);

// Checks ranges and combinations; INVALID_ARGUMENT naming the field.
absl::Status ValidateServerConfig(
    const kaiku::config::v1::ServerConfig& config);

// Whether `listen` (host:port) binds to a loopback address only.
bool IsLoopbackListenAddress(absl::string_view listen);

absl::Duration ToAbslDuration(const google::protobuf::Duration& d);

}  // namespace kaiku::config

#endif  // KAIKU_LIB_CONFIG_SERVER_CONFIG_H_
