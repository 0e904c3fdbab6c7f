// kaiku.v1.Admin: operations (model reload, checkpoints). Needs the `admin`
// scope.
#ifndef KAIKU_SERVICES_KAIKUD_ADMIN_SERVICE_H_
#define KAIKU_SERVICES_KAIKUD_ADMIN_SERVICE_H_

#include <string>

#include "kaiku/v1/admin.grpc.pb.h"
#include "lib/auth/authenticator.h"
#include "lib/common/thread_pool.h"
#include "lib/storage/store.h"
#include "services/kaikud/model_reloader.h"

namespace kaiku::kaikud {

class AdminService final : public kaiku::v1::Admin::CallbackService {
 public:
  // All must outlive the service. Checkpoints go under `checkpoint_dir`.
  AdminService(const auth::Authenticator* authenticator,
               ModelReloader* reloader, storage::Store* store,
               std::string checkpoint_dir, ThreadPool* work)
      : authenticator_(authenticator),
        reloader_(reloader),
        store_(store),
        checkpoint_dir_(std::move(checkpoint_dir)),
        work_(work) {}

  grpc::ServerUnaryReactor* ReloadModel(
      grpc::CallbackServerContext* context,
      const kaiku::v1::ReloadModelRequest* request,
      kaiku::v1::ReloadModelResponse* response) override;

  grpc::ServerUnaryReactor* CreateCheckpoint(
      grpc::CallbackServerContext* context,
      const kaiku::v1::CreateCheckpointRequest* request,
      kaiku::v1::CreateCheckpointResponse* response) override;

 private:
  const auth::Authenticator* const authenticator_;
  ModelReloader* const reloader_;
  storage::Store* const store_;
  const std::string checkpoint_dir_;
  ThreadPool* const work_;
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_ADMIN_SERVICE_H_
