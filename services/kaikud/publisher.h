// Handles one PublishRequest for both Ingest.Publish and Ingest.PublishStream:
// validates the request and each event, submits the valid events to the ingest
// pipeline, and fills the PublishResponse with one result per event once they
// are durable.
#ifndef KAIKU_SERVICES_KAIKUD_PUBLISHER_H_
#define KAIKU_SERVICES_KAIKUD_PUBLISHER_H_

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "grpcpp/support/status.h"
#include "kaiku/v1/ingest.pb.h"
#include "lib/auth/authenticator.h"
#include "lib/common/clock.h"
#include "lib/events/validation.h"
#include "lib/ingest/pipeline.h"
#include "lib/metrics/kaikud_metrics.h"

namespace kaiku::kaikud {

// Thread safety: Publish may be called from any thread.
class Publisher {
 public:
  // Called once: OK with `response` filled, or the whole request's error
  // (nothing of it acknowledged). May run on a pipeline worker thread, or
  // inside Publish.
  using Done = absl::AnyInvocable<void(grpc::Status) &&>;

  // `pipeline`, `clock` and `metrics` must outlive the publisher.
  Publisher(ingest::IngestPipeline* pipeline, const Clock* clock,
            events::ValidationOptions validation,
            metrics::KaikudMetrics* metrics)
      : pipeline_(pipeline),
        clock_(clock),
        validation_(validation),
        metrics_(metrics) {}

  // `request` and `response` must stay valid until `done` has run.
  void Publish(const auth::Principal& principal,
               const kaiku::v1::PublishRequest& request,
               kaiku::v1::PublishResponse* response, Done done);

 private:
  ingest::IngestPipeline* const pipeline_;
  const Clock* const clock_;
  const events::ValidationOptions validation_;
  metrics::KaikudMetrics* const metrics_;
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_PUBLISHER_H_
