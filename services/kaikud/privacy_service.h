// kaiku.v1.Privacy: erasure of a visitor's data.
//
// ForgetVisitor runs on the visitor's ingest worker, in order with its events
// (IngestPipeline::SubmitErase), then purges on the read pool: the score-log
// ring in memory, the store's files (Store::PurgeErased), the checkpoints under
// <data_dir>/checkpoints, and — with the Kafka sink on — a tombstone to the
// topic. It answers once all of that is done, so the erased data is
// physically gone from the data directory when the call returns OK; any
// error is retryable (UNAVAILABLE), and a retry is harmless.
#ifndef KAIKU_SERVICES_KAIKUD_PRIVACY_SERVICE_H_
#define KAIKU_SERVICES_KAIKUD_PRIVACY_SERVICE_H_

#include <string>

#include "kaiku/v1/privacy.grpc.pb.h"
#include "lib/auth/authenticator.h"
#include "lib/common/thread_pool.h"
#include "lib/ingest/pipeline.h"
#include "lib/scorelog/hub.h"
#include "lib/scorelog/kafka_sink.h"
#include "lib/storage/store.h"

namespace kaiku::kaikud {

struct PrivacyContext {
  const auth::Authenticator* authenticator = nullptr;
  ingest::IngestPipeline* pipeline = nullptr;
  storage::Store* store = nullptr;
  scorelog::ScoreLogHub* hub = nullptr;
  // Null when the Kafka sink is off.
  scorelog::KafkaSink* kafka_sink = nullptr;
  ThreadPool* work = nullptr;
  // Where CreateCheckpoint writes checkpoints.
  std::string checkpoint_dir;
};

class PrivacyService final : public kaiku::v1::Privacy::CallbackService {
 public:
  // Everything in `context` must outlive the service.
  explicit PrivacyService(PrivacyContext context)
      : context_(std::move(context)) {}

  grpc::ServerUnaryReactor* ForgetVisitor(
      grpc::CallbackServerContext* context,
      const kaiku::v1::ForgetVisitorRequest* request,
      kaiku::v1::ForgetVisitorResponse* response) override;

 private:
  // On the read pool, after the worker erased the visitor.
  absl::Status Purge(const std::string& tenant, const std::string& visitor_id);

  const PrivacyContext context_;
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_PRIVACY_SERVICE_H_
