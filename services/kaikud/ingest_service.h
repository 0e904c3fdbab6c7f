// kaiku.v1.Ingest over gRPC's callback API. Handlers never block: validation
// runs on the gRPC thread, storage on the ingest pipeline's workers, and
// completions call back.
#ifndef KAIKU_SERVICES_KAIKUD_INGEST_SERVICE_H_
#define KAIKU_SERVICES_KAIKUD_INGEST_SERVICE_H_

#include "kaiku/v1/ingest.grpc.pb.h"
#include "lib/auth/authenticator.h"
#include "services/kaikud/publisher.h"

namespace kaiku::kaikud {

// Most requests of one PublishStream that are being stored or waiting for their
// ack to be written; beyond it the stream stops reading until acks go out.
inline constexpr int kMaxInFlightPerStream = 64;

class IngestService final : public kaiku::v1::Ingest::CallbackService {
 public:
  // Both must outlive the service.
  IngestService(const auth::Authenticator* authenticator, Publisher* publisher)
      : authenticator_(authenticator), publisher_(publisher) {}

  grpc::ServerUnaryReactor* Publish(
      grpc::CallbackServerContext* context,
      const kaiku::v1::PublishRequest* request,
      kaiku::v1::PublishResponse* response) override;

  grpc::ServerBidiReactor<kaiku::v1::PublishRequest,
                          kaiku::v1::PublishResponse>*
  PublishStream(grpc::CallbackServerContext* context) override;

 private:
  const auth::Authenticator* const authenticator_;
  Publisher* const publisher_;
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_INGEST_SERVICE_H_
