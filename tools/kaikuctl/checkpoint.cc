// kaikuctl checkpoint [NAME]: asks kaikud to write a consistent online
// checkpoint of its store (admin scope); prints its path and size as JSON.
#include <iostream>

#include "kaiku/v1/admin.grpc.pb.h"
#include "tools/kaikuctl/commands.h"

namespace kaiku::kaikuctl {

int RunCheckpoint(const Connection& connection, const Args& args) {
  if (args.positional.size() > 2) {
    std::cerr << "usage: kaikuctl checkpoint [NAME]\n";
    return 2;
  }
  kaiku::v1::CreateCheckpointRequest request;
  if (args.positional.size() == 2) request.set_name(args.positional[1]);
  kaiku::v1::Admin::Stub stub(connection.channel);
  kaiku::v1::CreateCheckpointResponse response;
  // Flushing memtables of a busy server can take a while.
  std::unique_ptr<grpc::ClientContext> context = connection.NewContext(300);
  grpc::Status status =
      stub.CreateCheckpoint(context.get(), request, &response);
  if (!status.ok()) {
    PrintRpcError("checkpoint", status);
    return 1;
  }
  PrintJson(response, /*pretty=*/false);
  return 0;
}

}  // namespace kaiku::kaikuctl
