#include "services/kaikud/privacy_service.h"

#include "lib/events/validation.h"
#include "services/kaikud/call_auth.h"
#include "services/kaikud/grpc_status.h"

namespace kaiku::kaikud {

grpc::ServerUnaryReactor* PrivacyService::ForgetVisitor(
    grpc::CallbackServerContext* context,
    const kaiku::v1::ForgetVisitorRequest* request,
    kaiku::v1::ForgetVisitorResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<auth::Principal> principal = AuthorizeUnaryCall(
      *context, *authenticator_, auth::Scope::kAdmin, reactor);
  if (!principal.has_value()) return reactor;
  if (request->visitor_id().empty() ||
      request->visitor_id().size() > events::kMaxIdBytes) {
    reactor->Finish(InvalidArgument("malformed ForgetVisitorRequest",
                                    {{"visitor_id", "must be 1..128 bytes"}}));
    return reactor;
  }
  RunOnPool(*work_, reactor,
            [this, reactor, request, response, tenant = principal->tenant] {
              absl::StatusOr<int64_t> erased =
                  store_->EraseVisitor(tenant, request->visitor_id());
              if (erased.ok()) response->set_events_erased(*erased);
              reactor->Finish(ToGrpcStatus(erased.status()));
            });
  return reactor;
}

}  // namespace kaiku::kaikud
