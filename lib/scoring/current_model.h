// The model in use, swapped atomically by a reload. Readers take a reference
// (shared_ptr) and keep using that model for the whole of their work, so a
// reload never changes the model under a running computation.
//
// Thread safety: all methods may be called from any thread.
#ifndef KAIKU_LIB_SCORING_CURRENT_MODEL_H_
#define KAIKU_LIB_SCORING_CURRENT_MODEL_H_

#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lib/scoring/model.h"

namespace kaiku::scoring {

class CurrentModel {
 public:
  explicit CurrentModel(std::shared_ptr<const Model> model)
      : model_(std::move(model)) {}

  std::shared_ptr<const Model> Get() const {
    absl::ReaderMutexLock lock(&mu_);
    return model_;
  }

  void Set(std::shared_ptr<const Model> model) {
    absl::MutexLock lock(&mu_);
    model_.swap(model);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Model> model_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kaiku::scoring

#endif  // KAIKU_LIB_SCORING_CURRENT_MODEL_H_
