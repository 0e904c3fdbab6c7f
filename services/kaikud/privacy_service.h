// kaiku.v1.Privacy: erasure of a visitor's data (runs on the read pool; it
// compacts the erased range so the data is physically gone when the call
// returns).
#ifndef KAIKU_SERVICES_KAIKUD_PRIVACY_SERVICE_H_
#define KAIKU_SERVICES_KAIKUD_PRIVACY_SERVICE_H_

#include "kaiku/v1/privacy.grpc.pb.h"
#include "lib/auth/authenticator.h"
#include "lib/common/thread_pool.h"
#include "lib/storage/store.h"

namespace kaiku::kaikud {

class PrivacyService final : public kaiku::v1::Privacy::CallbackService {
 public:
  // All must outlive the service.
  PrivacyService(const auth::Authenticator* authenticator,
                 storage::Store* store, ThreadPool* work)
      : authenticator_(authenticator), store_(store), work_(work) {}

  grpc::ServerUnaryReactor* ForgetVisitor(
      grpc::CallbackServerContext* context,
      const kaiku::v1::ForgetVisitorRequest* request,
      kaiku::v1::ForgetVisitorResponse* response) override;

 private:
  const auth::Authenticator* const authenticator_;
  storage::Store* const store_;
  ThreadPool* const work_;
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_PRIVACY_SERVICE_H_
