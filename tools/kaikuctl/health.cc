// kaikuctl health [SERVICE]: asks kaikud's grpc.health.v1 service; prints
// the status and exits 0 only when SERVING. SERVICE "" (the default) is
// readiness, "liveness" stays SERVING while kaikud drains. For container
// health checks.
#include <iostream>

#include "grpc/health/v1/health.grpc.pb.h"
#include "tools/kaikuctl/commands.h"

namespace kaiku::kaikuctl {

int RunHealth(const Connection& connection, const Args& args) {
  if (args.positional.size() > 2) {
    std::cerr << "usage: kaikuctl health [SERVICE]\n";
    return 2;
  }
  grpc::health::v1::HealthCheckRequest request;
  if (args.positional.size() == 2) request.set_service(args.positional[1]);
  auto stub = grpc::health::v1::Health::NewStub(connection.channel);
  grpc::health::v1::HealthCheckResponse response;
  std::unique_ptr<grpc::ClientContext> context = connection.NewContext(5);
  grpc::Status status = stub->Check(context.get(), request, &response);
  if (!status.ok()) {
    PrintRpcError("health", status);
    return 1;
  }
  std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                   response.status())
            << "\n";
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING
             ? 0
             : 1;
}

}  // namespace kaiku::kaikuctl
