// Authenticates a call from its `authorization` metadata and checks a scope.
#ifndef KAIKU_SERVICES_KAIKUD_CALL_AUTH_H_
#define KAIKU_SERVICES_KAIKUD_CALL_AUTH_H_

#include <optional>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "lib/auth/authenticator.h"

namespace kaiku::kaikud {

// UNAUTHENTICATED or PERMISSION_DENIED, or the caller.
absl::StatusOr<auth::Principal> AuthorizeCall(
    const grpc::CallbackServerContext& context,
    const auth::Authenticator& authenticator, auth::Scope scope);

// For unary handlers: the caller, or nullopt after finishing `reactor` with the
// error.
std::optional<auth::Principal> AuthorizeUnaryCall(
    grpc::CallbackServerContext& context,
    const auth::Authenticator& authenticator, auth::Scope scope,
    grpc::ServerUnaryReactor* reactor);

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_CALL_AUTH_H_
