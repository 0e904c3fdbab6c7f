#include "tools/client/server_address.h"

#include <cstdlib>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, addr, "",
          "kaikud's gRPC address (default: $KAIKU_ADDR, else "
          "127.0.0.1:50051).");
ABSL_FLAG(std::string, api_key, "",
          "API key with the scopes the tool needs (default: $KAIKU_API_KEY; "
          "none: no authorization).");

namespace kaiku::client {
namespace {

std::string FlagOrEnv(const std::string& value, const char* env,
                      const char* fallback) {
  if (!value.empty()) return value;
  const char* from_env = std::getenv(env);
  return from_env != nullptr && *from_env != '\0' ? from_env : fallback;
}

}  // namespace

std::string ServerAddress() {
  return FlagOrEnv(absl::GetFlag(FLAGS_addr), "KAIKU_ADDR", "127.0.0.1:50051");
}

std::string ApiKey() {
  return FlagOrEnv(absl::GetFlag(FLAGS_api_key), "KAIKU_API_KEY", "");
}

}  // namespace kaiku::client
