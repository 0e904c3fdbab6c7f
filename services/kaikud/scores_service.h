// kaiku.v1.Scores. GetVisitor and ListLeads read on the read pool (never on a
// gRPC thread) and evaluate scores at the server's clock with the model in use.
// Subscribe streams the tenant's score log (subscribe_stream.h); CommitCursor
// records a named consumer's position.
#ifndef KAIKU_SERVICES_KAIKUD_SCORES_SERVICE_H_
#define KAIKU_SERVICES_KAIKUD_SCORES_SERVICE_H_

#include "kaiku/v1/scores.grpc.pb.h"
#include "lib/auth/authenticator.h"
#include "lib/common/clock.h"
#include "lib/common/thread_pool.h"
#include "lib/scoring/current_model.h"
#include "lib/storage/store.h"
#include "services/kaikud/subscribe_stream.h"

namespace kaiku::kaikud {

// Subscribe is a raw method: it writes each score event's bytes as the hub
// serialized them once for every subscriber (its request is parsed here).
class ScoresService final
    : public kaiku::v1::Scores::WithRawCallbackMethod_Subscribe<
          kaiku::v1::Scores::WithCallbackMethod_GetVisitor<
              kaiku::v1::Scores::WithCallbackMethod_ListLeads<
                  kaiku::v1::Scores::WithCallbackMethod_CommitCursor<
                      kaiku::v1::Scores::Service>>>> {
 public:
  // All must outlive the service.
  ScoresService(const auth::Authenticator* authenticator, storage::Store* store,
                const scoring::CurrentModel* model, const Clock* clock,
                ThreadPool* reads, const SubscribeContext& subscribe)
      : authenticator_(authenticator),
        store_(store),
        model_(model),
        clock_(clock),
        reads_(reads),
        subscribe_(subscribe) {}

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;

  grpc::ServerUnaryReactor* GetVisitor(
      grpc::CallbackServerContext* context,
      const kaiku::v1::GetVisitorRequest* request,
      kaiku::v1::VisitorProfile* response) override;

  grpc::ServerUnaryReactor* ListLeads(
      grpc::CallbackServerContext* context,
      const kaiku::v1::ListLeadsRequest* request,
      kaiku::v1::ListLeadsResponse* response) override;

  grpc::ServerUnaryReactor* CommitCursor(
      grpc::CallbackServerContext* context,
      const kaiku::v1::CommitCursorRequest* request,
      kaiku::v1::CommitCursorResponse* response) override;

 private:
  const auth::Authenticator* const authenticator_;
  storage::Store* const store_;
  const scoring::CurrentModel* const model_;
  const Clock* const clock_;
  ThreadPool* const reads_;
  const SubscribeContext subscribe_;
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_SCORES_SERVICE_H_
