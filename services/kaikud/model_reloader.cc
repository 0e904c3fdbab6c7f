#include "services/kaikud/model_reloader.h"

#include <utility>

#include "lib/common/logging.h"
#include "lib/common/status_macros.h"
#include "lib/scoring/model_loader.h"

namespace kaiku::kaikud {

absl::StatusOr<std::unique_ptr<ModelReloader>> ModelReloader::Load(
    std::string path) {
  std::shared_ptr<const scoring::Model> model;
  if (path.empty()) {
    model = scoring::DefaultModel();
  } else {
    ASSIGN_OR_RETURN(model, scoring::LoadModelFile(path));
  }
  LOG(INFO) << "scoring model " << model->version() << " ("
            << (path.empty() ? "built in" : path) << ")";
  return std::unique_ptr<ModelReloader>(
      new ModelReloader(std::move(path), std::move(model)));
}

absl::StatusOr<ModelReloader::Reloaded> ModelReloader::Reload() {
  absl::MutexLock lock(&reload_mu_);
  if (path_.empty()) {
    if (listener_) listener_(false, current_.Get()->version());
    return absl::FailedPreconditionError(
        "kaikud runs the built-in model; start it with --model=FILE to reload "
        "one");
  }
  absl::StatusOr<std::shared_ptr<const scoring::Model>> model =
      scoring::LoadModelFile(path_);
  Reloaded result;
  result.previous_version = current_.Get()->version();
  if (!model.ok()) {
    LOG(ERROR) << "model reload refused, still scoring with "
               << result.previous_version << ": " << model.status().message();
    if (listener_) listener_(false, result.previous_version);
    return model.status();
  }
  result.version = (*model)->version();
  current_.Set(*std::move(model));
  LOG(INFO) << "model reloaded: " << result.previous_version << " -> "
            << result.version;
  if (listener_) listener_(true, result.version);
  return result;
}

}  // namespace kaiku::kaikud
