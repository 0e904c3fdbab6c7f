// kaiku.v1.Admin: operations (model reload). Needs the `admin` scope.
#ifndef KAIKU_SERVICES_KAIKUD_ADMIN_SERVICE_H_
#define KAIKU_SERVICES_KAIKUD_ADMIN_SERVICE_H_

#include "kaiku/v1/admin.grpc.pb.h"
#include "lib/auth/authenticator.h"
#include "lib/common/thread_pool.h"
#include "services/kaikud/model_reloader.h"

namespace kaiku::kaikud {

class AdminService final : public kaiku::v1::Admin::CallbackService {
 public:
  // All must outlive the service.
  AdminService(const auth::Authenticator* authenticator,
               ModelReloader* reloader, ThreadPool* work)
      : authenticator_(authenticator), reloader_(reloader), work_(work) {}

  grpc::ServerUnaryReactor* ReloadModel(
      grpc::CallbackServerContext* context,
      const kaiku::v1::ReloadModelRequest* request,
      kaiku::v1::ReloadModelResponse* response) override;

 private:
  const auth::Authenticator* const authenticator_;
  ModelReloader* const reloader_;
  ThreadPool* const work_;
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_ADMIN_SERVICE_H_
