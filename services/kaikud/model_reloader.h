// Loads the scoring model at start and reloads it on SIGHUP or
// Admin.ReloadModel: a valid file replaces the model in use; an invalid one is
// refused with file, line and field, and the running model stays.
//
// Thread safety: Reload may be called from any thread; reloads are serialized.
#ifndef KAIKU_SERVICES_KAIKUD_MODEL_RELOADER_H_
#define KAIKU_SERVICES_KAIKUD_MODEL_RELOADER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/scoring/current_model.h"

namespace kaiku::kaikud {

class ModelReloader {
 public:
  // Loads `path` (empty: the built-in default model). Errors: INVALID_ARGUMENT
  // naming file, line and field.
  static absl::StatusOr<std::unique_ptr<ModelReloader>> Load(std::string path);

  scoring::CurrentModel* current() { return &current_; }

  struct Reloaded {
    std::string version;
    std::string previous_version;
  };
  // Reads the file again. FAILED_PRECONDITION without a file; the loader's
  // error for an invalid one (the running model stays).
  absl::StatusOr<Reloaded> Reload();

  // Called after every Reload with whether it succeeded and the version in use
  // (e.g. for metrics). Set it before the first Reload.
  void SetListener(std::function<void(bool ok, const std::string& version)> f) {
    listener_ = std::move(f);
  }

 private:
  ModelReloader(std::string path, std::shared_ptr<const scoring::Model> model)
      : path_(std::move(path)), current_(std::move(model)) {}

  const std::string path_;
  scoring::CurrentModel current_;
  absl::Mutex reload_mu_;
  std::function<void(bool, const std::string&)> listener_;
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_MODEL_RELOADER_H_
