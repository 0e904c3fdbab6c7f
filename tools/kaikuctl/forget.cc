// kaikuctl forget VISITOR: erases the visitor's data (Privacy.ForgetVisitor).
#include <iostream>

#include "google/protobuf/util/json_util.h"
#include "kaiku/v1/privacy.grpc.pb.h"
#include "tools/kaikuctl/commands.h"

namespace kaiku::kaikuctl {

int RunForget(const Connection& connection, const Args& args) {
  if (args.positional.size() != 2) {
    std::cerr << "usage: kaikuctl forget VISITOR_ID\n";
    return 2;
  }
  kaiku::v1::Privacy::Stub stub(connection.channel);
  kaiku::v1::ForgetVisitorRequest request;
  request.set_visitor_id(args.positional[1]);
  kaiku::v1::ForgetVisitorResponse response;
  std::unique_ptr<grpc::ClientContext> context = connection.NewContext(120);
  grpc::Status status = stub.ForgetVisitor(context.get(), request, &response);
  if (!status.ok()) {
    PrintRpcError("forget", status);
    return 1;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(response, &json, options);
  std::cout << json << "\n";
  return 0;
}

}  // namespace kaiku::kaikuctl
