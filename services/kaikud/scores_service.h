// kaiku.v1.Scores. GetVisitor and ListLeads read on the read pool (never on a
// gRPC thread) and evaluate scores at the server's clock with the model in use.
// Subscribe answers UNIMPLEMENTED until the score-stream work lands (score
// events are already stored in the score log).
#ifndef KAIKU_SERVICES_KAIKUD_SCORES_SERVICE_H_
#define KAIKU_SERVICES_KAIKUD_SCORES_SERVICE_H_

#include "kaiku/v1/scores.grpc.pb.h"
#include "lib/auth/authenticator.h"
#include "lib/common/clock.h"
#include "lib/common/thread_pool.h"
#include "lib/scoring/current_model.h"
#include "lib/storage/store.h"

namespace kaiku::kaikud {

class ScoresService final : public kaiku::v1::Scores::CallbackService {
 public:
  // All must outlive the service.
  ScoresService(const auth::Authenticator* authenticator, storage::Store* store,
                const scoring::CurrentModel* model, const Clock* clock,
                ThreadPool* reads)
      : authenticator_(authenticator),
        store_(store),
        model_(model),
        clock_(clock),
        reads_(reads) {}

  grpc::ServerWriteReactor<kaiku::v1::ScoreEvent>* Subscribe(
      grpc::CallbackServerContext* context,
      const kaiku::v1::SubscribeRequest* request) override;

  grpc::ServerUnaryReactor* GetVisitor(
      grpc::CallbackServerContext* context,
      const kaiku::v1::GetVisitorRequest* request,
      kaiku::v1::VisitorProfile* response) override;

  grpc::ServerUnaryReactor* ListLeads(
      grpc::CallbackServerContext* context,
      const kaiku::v1::ListLeadsRequest* request,
      kaiku::v1::ListLeadsResponse* response) override;

 private:
  const auth::Authenticator* const authenticator_;
  storage::Store* const store_;
  const scoring::CurrentModel* const model_;
  const Clock* const clock_;
  ThreadPool* const reads_;
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_SCORES_SERVICE_H_
