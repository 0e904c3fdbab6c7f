#include "services/kaikud/call_auth.h"

#include <optional>

#include "lib/common/status_macros.h"
#include "services/kaikud/grpc_status.h"

namespace kaiku::kaikud {

absl::StatusOr<auth::Principal> AuthorizeCall(
    const grpc::CallbackServerContext& context,
    const auth::Authenticator& authenticator, auth::Scope scope) {
  std::optional<absl::string_view> header;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end())
    header = absl::string_view(it->second.data(), it->second.size());
  ASSIGN_OR_RETURN(auth::Principal principal,
                   authenticator.Authenticate(header));
  RETURN_IF_ERROR(auth::Authenticator::Require(principal, scope));
  return principal;
}

std::optional<auth::Principal> AuthorizeUnaryCall(
    grpc::CallbackServerContext& context,
    const auth::Authenticator& authenticator, auth::Scope scope,
    grpc::ServerUnaryReactor* reactor) {
  absl::StatusOr<auth::Principal> principal =
      AuthorizeCall(context, authenticator, scope);
  if (principal.ok()) return *std::move(principal);
  reactor->Finish(ToGrpcStatus(principal.status()));
  return std::nullopt;
}

void RunOnPool(ThreadPool& pool, grpc::ServerUnaryReactor* reactor,
               absl::AnyInvocable<void() &&> work) {
  if (!pool.Schedule(std::move(work))) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "the server is shutting down"));
  }
}

}  // namespace kaiku::kaikud
