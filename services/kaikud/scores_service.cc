#include "services/kaikud/scores_service.h"

#include <string>
#include <vector>

#include "lib/scorelog/cursor.h"
#include "services/kaikud/call_auth.h"
#include "services/kaikud/grpc_status.h"
#include "services/kaikud/leads.h"
#include "services/kaikud/visitor_profile.h"

namespace kaiku::kaikud {
namespace {

class FailedStream : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit FailedStream(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* ScoresService::Subscribe(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  absl::StatusOr<auth::Principal> principal =
      AuthorizeCall(*context, *authenticator_, auth::Scope::kSubscribe);
  if (!principal.ok())
    return new FailedStream(ToGrpcStatus(principal.status()));
  std::vector<grpc::Slice> slices;
  kaiku::v1::SubscribeRequest parsed;
  std::string bytes;
  if (request->Dump(&slices).ok()) {
    for (const grpc::Slice& slice : slices)
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  if (!parsed.ParseFromString(bytes)) {
    return new FailedStream(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                         "request: not a SubscribeRequest"));
  }
  return NewSubscribeStream(subscribe_, principal->tenant, parsed);
}

grpc::ServerUnaryReactor* ScoresService::GetVisitor(
    grpc::CallbackServerContext* context,
    const kaiku::v1::GetVisitorRequest* request,
    kaiku::v1::VisitorProfile* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<auth::Principal> principal = AuthorizeUnaryCall(
      *context, *authenticator_, auth::Scope::kSubscribe, reactor);
  if (!principal.has_value()) return reactor;
  RunOnPool(*reads_, reactor,
            [this, reactor, request, response, tenant = principal->tenant] {
              const std::shared_ptr<const scoring::Model> model = model_->Get();
              reactor->Finish(ToGrpcStatus(
                  ReadVisitorProfile(*store_, scoring::Scorer(*model), tenant,
                                     *request, clock_->Now(), response)));
            });
  return reactor;
}

grpc::ServerUnaryReactor* ScoresService::ListLeads(
    grpc::CallbackServerContext* context,
    const kaiku::v1::ListLeadsRequest* request,
    kaiku::v1::ListLeadsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<auth::Principal> principal = AuthorizeUnaryCall(
      *context, *authenticator_, auth::Scope::kSubscribe, reactor);
  if (!principal.has_value()) return reactor;
  RunOnPool(*reads_, reactor,
            [this, reactor, request, response, tenant = principal->tenant] {
              const std::shared_ptr<const scoring::Model> model = model_->Get();
              reactor->Finish(ToGrpcStatus(
                  kaikud::ListLeads(*store_, scoring::Scorer(*model), tenant,
                                    *request, clock_->Now(), response)));
            });
  return reactor;
}

grpc::ServerUnaryReactor* ScoresService::CommitCursor(
    grpc::CallbackServerContext* context,
    const kaiku::v1::CommitCursorRequest* request,
    kaiku::v1::CommitCursorResponse*) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<auth::Principal> principal = AuthorizeUnaryCall(
      *context, *authenticator_, auth::Scope::kSubscribe, reactor);
  if (!principal.has_value()) return reactor;
  if (!ValidConsumerName(request->consumer_name())) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                     "consumer_name: must be 1..64 of [A-Za-z0-9_.-]"));
    return reactor;
  }
  absl::StatusOr<uint64_t> sequence =
      scorelog::DecodeCursor(principal->tenant, request->cursor(), "cursor");
  if (!sequence.ok()) {
    reactor->Finish(ToGrpcStatus(sequence.status()));
    return reactor;
  }
  RunOnPool(
      *reads_, reactor,
      [this, reactor, request, tenant = principal->tenant,
       sequence = *sequence] {
        if (sequence > store_->LastScoreSequence(tenant)) {
          reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                       "cursor: ahead of this server's log"));
          return;
        }
        reactor->Finish(ToGrpcStatus(store_->PutConsumerCursor(
            tenant, request->consumer_name(), sequence)));
      });
  return reactor;
}

}  // namespace kaiku::kaikud
