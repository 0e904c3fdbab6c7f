#include "services/kaikud/privacy_service.h"

#include "absl/strings/str_cat.h"
#include "lib/common/logging.h"
#include "lib/common/status_macros.h"
#include "lib/events/validation.h"
#include "lib/storage/checkpoint_erasure.h"
#include "services/kaikud/call_auth.h"
#include "services/kaikud/grpc_status.h"

namespace kaiku::kaikud {
namespace {

// How long ForgetVisitor waits for the brokers to acknowledge the tombstone.
constexpr absl::Duration kTombstoneTimeout = absl::Seconds(10);

}  // namespace

grpc::ServerUnaryReactor* PrivacyService::ForgetVisitor(
    grpc::CallbackServerContext* context,
    const kaiku::v1::ForgetVisitorRequest* request,
    kaiku::v1::ForgetVisitorResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<auth::Principal> principal = AuthorizeUnaryCall(
      *context, *context_.authenticator, auth::Scope::kAdmin, reactor);
  if (!principal.has_value()) return reactor;
  if (request->visitor_id().empty() ||
      request->visitor_id().size() > events::kMaxIdBytes) {
    reactor->Finish(InvalidArgument("malformed ForgetVisitorRequest",
                                    {{"visitor_id", "must be 1..128 bytes"}}));
    return reactor;
  }
  const std::string tenant = principal->tenant;
  const std::string visitor_id = request->visitor_id();
  absl::Status submitted = context_.pipeline->SubmitErase(
      tenant, visitor_id,
      [this, reactor, response, tenant,
       visitor_id](absl::StatusOr<int64_t> erased) {
        if (!erased.ok()) {
          reactor->Finish(ToGrpcStatus(erased.status()));
          return;
        }
        // Nothing of the visitor is served from memory from now on.
        context_.hub->Forget(tenant, visitor_id);
        response->set_events_erased(*erased);
        RunOnPool(*context_.work, reactor, [this, reactor, tenant, visitor_id] {
          reactor->Finish(ToGrpcStatus(Purge(tenant, visitor_id)));
        });
      });
  if (!submitted.ok()) reactor->Finish(ToGrpcStatus(submitted));
  return reactor;
}

absl::Status PrivacyService::Purge(const std::string& tenant,
                                   const std::string& visitor_id) {
  RETURN_IF_ERROR(context_.store->PurgeErased());
  absl::StatusOr<int> checkpoints = storage::EraseFromCheckpoints(
      context_.checkpoint_dir, tenant, visitor_id);
  if (!checkpoints.ok()) {
    LOG(ERROR) << "erasure in the checkpoints failed: " << checkpoints.status();
    return absl::UnavailableError(
        absl::StrCat("erasure in the checkpoints failed (retry): ",
                     checkpoints.status().message()));
  }
  if (context_.kafka_sink != nullptr) {
    RETURN_IF_ERROR(context_.kafka_sink->ProduceTombstone(tenant, visitor_id,
                                                          kTombstoneTimeout));
  }
  return absl::OkStatus();
}

}  // namespace kaiku::kaikud
