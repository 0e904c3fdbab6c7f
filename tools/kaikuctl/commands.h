// kaikuctl's commands. Each returns the process exit status:
//   0  success (publish: every event accepted or a duplicate)
//   1  failure (an RPC failed, an event was rejected or not acknowledged)
//   2  usage error
#ifndef KAIKU_TOOLS_KAIKUCTL_COMMANDS_H_
#define KAIKU_TOOLS_KAIKUCTL_COMMANDS_H_

#include <memory>
#include <string>

#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "tools/kaikuctl/flags.h"

namespace kaiku::kaikuctl {

// Where and as whom to call.
struct Connection {
  std::shared_ptr<grpc::Channel> channel;
  std::string api_key;  // empty: no authorization metadata

  // A context carrying the API key, with an optional deadline (zero: none).
  std::unique_ptr<grpc::ClientContext> NewContext(
      int timeout_seconds = 0) const;
};

// Prints "<code name>: <message>" to stderr.
void PrintRpcError(const std::string& what, const grpc::Status& status);

// Prints the message as one line of JSON (indented with `pretty`) to stdout.
void PrintJson(const google::protobuf::Message& message, bool pretty);

int RunPublish(const Connection& connection, const Args& args);
int RunGet(const Connection& connection, const Args& args);
int RunForget(const Connection& connection, const Args& args);
int RunLeads(const Connection& connection, const Args& args);
int RunReloadModel(const Connection& connection, const Args& args);
int RunCheckpoint(const Connection& connection, const Args& args);
int RunHealth(const Connection& connection, const Args& args);
int RunTail(const Connection& connection, const Args& args);

}  // namespace kaiku::kaikuctl

#endif  // KAIKU_TOOLS_KAIKUCTL_COMMANDS_H_
