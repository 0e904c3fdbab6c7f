// Authenticates a call from its `authorization` metadata and checks a scope;
// runs unary handlers' blocking work off the gRPC threads.
#ifndef KAIKU_SERVICES_KAIKUD_CALL_AUTH_H_
#define KAIKU_SERVICES_KAIKUD_CALL_AUTH_H_

#include <optional>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "lib/auth/authenticator.h"
#include "lib/common/thread_pool.h"

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

// Runs a unary handler's blocking `work` (which finishes `reactor`) on `pool`;
// finishes `reactor` with UNAVAILABLE when the pool has stopped (shutdown).
void RunOnPool(ThreadPool& pool, grpc::ServerUnaryReactor* reactor,
               absl::AnyInvocable<void() &&> work);

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_CALL_AUTH_H_
