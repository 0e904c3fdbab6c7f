// Authenticates a call from its `authorization` metadata and checks a scope.
#ifndef KAIKU_SERVICES_KAIKUD_CALL_AUTH_H_
#define KAIKU_SERVICES_KAIKUD_CALL_AUTH_H_

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "lib/auth/authenticator.h"

namespace kaiku::kaikud {

// UNAUTHENTICATED or PERMISSION_DENIED, or the caller.
absl::StatusOr<auth::Principal> AuthorizeCall(const grpc::CallbackServerContext& context,
                                              const auth::Authenticator& authenticator,
                                              auth::Scope scope);

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_CALL_AUTH_H_
