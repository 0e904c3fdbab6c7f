#include "services/kaikud/admin_service.h"

#include "services/kaikud/call_auth.h"
#include "services/kaikud/grpc_status.h"

namespace kaiku::kaikud {

grpc::ServerUnaryReactor* AdminService::ReloadModel(
    grpc::CallbackServerContext* context, const kaiku::v1::ReloadModelRequest*,
    kaiku::v1::ReloadModelResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!AuthorizeUnaryCall(*context, *authenticator_, auth::Scope::kAdmin,
                          reactor)
           .has_value())
    return reactor;
  // Reads a file: off the gRPC threads.
  RunOnPool(*work_, reactor, [this, reactor, response] {
    absl::StatusOr<ModelReloader::Reloaded> reloaded = reloader_->Reload();
    if (!reloaded.ok()) {
      reactor->Finish(ToGrpcStatus(reloaded.status()));
      return;
    }
    response->set_model_version(reloaded->version);
    response->set_previous_version(reloaded->previous_version);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace kaiku::kaikud
