// Where a client tool (kaiku_replay, kaiku_loadgen) finds kaikud: the flags
// --addr and --api_key, defined here once for every tool that links this,
// else $KAIKU_ADDR and $KAIKU_API_KEY, else 127.0.0.1:50051 and no key.
#ifndef KAIKU_TOOLS_CLIENT_SERVER_ADDRESS_H_
#define KAIKU_TOOLS_CLIENT_SERVER_ADDRESS_H_

#include <string>

namespace kaiku::client {

// Call after absl::ParseCommandLine.
std::string ServerAddress();
// Empty: no authorization header.
std::string ApiKey();

}  // namespace kaiku::client

#endif  // KAIKU_TOOLS_CLIENT_SERVER_ADDRESS_H_
