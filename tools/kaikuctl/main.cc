// kaikuctl: the command-line client of kaikud. Speaks the protobuf JSON
// mapping.
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "lib/auth/authenticator.h"
#include "tools/kaikuctl/commands.h"

namespace kaiku::kaikuctl {
namespace {

constexpr char kUsage[] =
    R"(usage: kaikuctl COMMAND [ARGS] [--addr HOST:PORT] [--api-key KEY]

commands:
  publish [FILE|-] [--batch N]  publish kaiku.v1.Event JSON lines (stdin by default);
                                prints one JSON result line per event
  get VISITOR [--limit N] [--pretty]
                                print the visitor's profile and timeline as JSON
  leads [--limit N] [--min-level LEVEL]
                                the hottest visitors now (LEVEL: cold, warm, hot,
                                sales_ready; default warm), one JSON line each
  forget VISITOR                erase the visitor's data (admin scope)
  reload-model                  make kaikud reload its model file (admin scope)
  checkpoint [NAME]             write a consistent online checkpoint of kaikud's store to
                                <data_dir>/checkpoints/NAME (admin scope; default NAME:
                                the UTC time); prints its path
  tail [--from earliest|latest|CURSOR] [--consumer NAME] [--limit N] [--timeout S]
       [--heartbeats]           print score events as JSON lines as they happen;
                                with --consumer, resume after (and commit) its cursor
  health [SERVICE]              grpc.health.v1 status (SERVICE "" is readiness, "liveness"
                                liveness); exit 0 only when SERVING
  hash-key KEY                  print the SHA-256 of an API key, for the keys file

options:
  --addr     server address (env KAIKU_ADDR; default 127.0.0.1:50051)
  --api-key  API key, sent as "authorization: Bearer KEY" (env KAIKU_API_KEY)

exit status: 0 success; 1 failure (RPC error, rejected or unacknowledged event); 2 usage
)";

}  // namespace

std::unique_ptr<grpc::ClientContext> Connection::NewContext(
    int timeout_seconds) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!api_key.empty())
    context->AddMetadata("authorization", "Bearer " + api_key);
  if (timeout_seconds > 0) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(timeout_seconds));
  }
  return context;
}

void PrintRpcError(const std::string& what, const grpc::Status& status) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  int code = status.error_code();
  std::cerr << what << ": "
            << (code >= 0 && code <= 16 ? kNames[code]
                                        : absl::StrCat("code ", code))
            << ": " << status.error_message() << "\n";
}

void PrintJson(const google::protobuf::Message& message, bool pretty) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  std::cout << json << "\n";
}

int Main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  absl::StatusOr<Args> args =
      ParseArgs(argc, argv,
                {"--addr", "--api-key", "--batch", "--limit", "--min-level",
                 "--from", "--consumer", "--timeout"},
                {"--pretty", "--help", "--heartbeats"});
  if (!args.ok()) {
    std::cerr << args.status().message() << "\n" << kUsage;
    return 2;
  }
  if (args->Has("--help") || args->positional.empty()) {
    std::cerr << kUsage;
    return args->Has("--help") ? 0 : 2;
  }
  const std::string& command = args->positional[0];
  if (command == "hash-key") {
    if (args->positional.size() != 2) {
      std::cerr << "usage: kaikuctl hash-key KEY\n";
      return 2;
    }
    std::cout << auth::HashApiKey(args->positional[1]) << "\n";
    return 0;
  }
  Connection connection;
  connection.channel =
      grpc::CreateChannel(args->Get("--addr", "127.0.0.1:50051", "KAIKU_ADDR"),
                          grpc::InsecureChannelCredentials());
  connection.api_key = args->Get("--api-key", "", "KAIKU_API_KEY");
  if (command == "publish") return RunPublish(connection, *args);
  if (command == "get") return RunGet(connection, *args);
  if (command == "forget") return RunForget(connection, *args);
  if (command == "leads") return RunLeads(connection, *args);
  if (command == "reload-model") return RunReloadModel(connection, *args);
  if (command == "checkpoint") return RunCheckpoint(connection, *args);
  if (command == "health") return RunHealth(connection, *args);
  if (command == "tail") return RunTail(connection, *args);
  std::cerr << "unknown command " << command << "\n" << kUsage;
  return 2;
}

}  // namespace kaiku::kaikuctl

int main(int argc, char** argv) { return kaiku::kaikuctl::Main(argc, argv); }
