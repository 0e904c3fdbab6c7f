#include "services/kaikud/scores_service.h"

#include "services/kaikud/call_auth.h"
#include "services/kaikud/grpc_status.h"
#include "services/kaikud/leads.h"
#include "services/kaikud/visitor_profile.h"

namespace kaiku::kaikud {
namespace {

class UnimplementedStream
    : public grpc::ServerWriteReactor<kaiku::v1::ScoreEvent> {
 public:
  explicit UnimplementedStream(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<kaiku::v1::ScoreEvent>* ScoresService::Subscribe(
    grpc::CallbackServerContext* context, const kaiku::v1::SubscribeRequest*) {
  absl::StatusOr<auth::Principal> principal =
      AuthorizeCall(*context, *authenticator_, auth::Scope::kSubscribe);
  if (!principal.ok())
    return new UnimplementedStream(ToGrpcStatus(principal.status()));
  return new UnimplementedStream(
      grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                   "Scores.Subscribe: the score stream is not in this build "
                   "yet (score events are stored in the score log; delivery "
                   "comes next)"));
}

grpc::ServerUnaryReactor* ScoresService::GetVisitor(
    grpc::CallbackServerContext* context,
    const kaiku::v1::GetVisitorRequest* request,
    kaiku::v1::VisitorProfile* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<auth::Principal> principal = AuthorizeUnaryCall(
      *context, *authenticator_, auth::Scope::kSubscribe, reactor);
  if (!principal.has_value()) return reactor;
  bool scheduled = reads_->Schedule(
      [this, reactor, request, response, tenant = principal->tenant] {
        const std::shared_ptr<const scoring::Model> model = model_->Get();
        reactor->Finish(ToGrpcStatus(
            ReadVisitorProfile(*store_, scoring::Scorer(*model), tenant,
                               *request, clock_->Now(), response)));
      });
  if (!scheduled) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "the server is shutting down"));
  }
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
  bool scheduled = reads_->Schedule([this, reactor, request, response,
                                     tenant = principal->tenant] {
    const std::shared_ptr<const scoring::Model> model = model_->Get();
    reactor->Finish(
        ToGrpcStatus(kaikud::ListLeads(*store_, scoring::Scorer(*model), tenant,
                                       *request, clock_->Now(), response)));
  });
  if (!scheduled) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "the server is shutting down"));
  }
  return reactor;
}

}  // namespace kaiku::kaikud
