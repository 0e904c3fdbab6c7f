// kaiku.v1.Scores. GetVisitor reads the stored timeline on the read pool (never
// on a gRPC thread). Subscribe and ListLeads answer UNIMPLEMENTED until the
// scoring and score-stream work lands.
#ifndef KAIKU_SERVICES_KAIKUD_SCORES_SERVICE_H_
#define KAIKU_SERVICES_KAIKUD_SCORES_SERVICE_H_

#include "kaiku/v1/scores.grpc.pb.h"
#include "lib/auth/authenticator.h"
#include "lib/common/thread_pool.h"
#include "lib/storage/store.h"

namespace kaiku::kaikud {

class ScoresService final : public kaiku::v1::Scores::CallbackService {
 public:
  // All must outlive the service.
  ScoresService(const auth::Authenticator* authenticator, storage::Store* store,
                ThreadPool* reads)
      : authenticator_(authenticator), store_(store), reads_(reads) {}

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
  ThreadPool* const reads_;
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_SCORES_SERVICE_H_
