// kaikuctl reload-model: asks kaikud to reload its model file (admin scope);
// prints the versions as JSON, or the file's errors (line and field).
#include <iostream>

#include "kaiku/v1/admin.grpc.pb.h"
#include "tools/kaikuctl/commands.h"

namespace kaiku::kaikuctl {

int RunReloadModel(const Connection& connection, const Args& args) {
  if (args.positional.size() != 1) {
    std::cerr << "usage: kaikuctl reload-model\n";
    return 2;
  }
  kaiku::v1::Admin::Stub stub(connection.channel);
  kaiku::v1::ReloadModelResponse response;
  std::unique_ptr<grpc::ClientContext> context = connection.NewContext(30);
  grpc::Status status = stub.ReloadModel(
      context.get(), kaiku::v1::ReloadModelRequest(), &response);
  if (!status.ok()) {
    PrintRpcError("reload-model", status);
    return 1;
  }
  PrintJson(response, /*pretty=*/false);
  return 0;
}

}  // namespace kaiku::kaikuctl
