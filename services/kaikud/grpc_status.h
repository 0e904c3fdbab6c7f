// Where absl::Status becomes grpc::Status (the only place in the project).
#ifndef KAIKU_SERVICES_KAIKUD_GRPC_STATUS_H_
#define KAIKU_SERVICES_KAIKUD_GRPC_STATUS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"
#include "lib/events/validation.h"

namespace kaiku::kaikud {

// Same code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// INVALID_ARGUMENT with a google.rpc.BadRequest in the status details
// (grpc-status-details-bin), one field violation per entry.
grpc::Status InvalidArgument(
    const std::string& message,
    const std::vector<events::FieldViolation>& violations);

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_GRPC_STATUS_H_
