// kaikuctl leads [--limit N] [--min-level LEVEL]: the hottest visitors now, one
// JSON line each (kaiku.v1.Lead), highest score first.
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "kaiku/v1/scores.grpc.pb.h"
#include "tools/kaikuctl/commands.h"

namespace kaiku::kaikuctl {

int RunLeads(const Connection& connection, const Args& args) {
  if (args.positional.size() != 1) {
    std::cerr << "usage: kaikuctl leads [--limit N] [--min-level LEVEL]\n";
    return 2;
  }
  kaiku::v1::ListLeadsRequest request;
  int limit = 0;
  if (!absl::SimpleAtoi(args.Get("--limit", "50"), &limit) || limit < 1) {
    std::cerr << "--limit: must be a number >= 1\n";
    return 2;
  }
  request.set_limit(limit);
  const std::string level =
      "LEVEL_" + absl::AsciiStrToUpper(args.Get("--min-level", "warm"));
  kaiku::v1::Level min_level;
  if (!kaiku::v1::Level_Parse(level, &min_level)) {
    std::cerr << "--min-level: cold, warm, hot or sales_ready\n";
    return 2;
  }
  request.set_min_level(min_level);
  kaiku::v1::Scores::Stub stub(connection.channel);
  kaiku::v1::ListLeadsResponse response;
  std::unique_ptr<grpc::ClientContext> context = connection.NewContext(30);
  grpc::Status status = stub.ListLeads(context.get(), request, &response);
  if (!status.ok()) {
    PrintRpcError("leads", status);
    return 1;
  }
  for (const kaiku::v1::Lead& lead : response.leads())
    PrintJson(lead, /*pretty=*/false);
  return 0;
}

}  // namespace kaiku::kaikuctl
