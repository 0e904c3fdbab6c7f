// Learning a scoring model's weights from labelled examples (episodes.h).
//
// The learned model is the base model with new `bias` and signal `weight`s
// and, with fit_levels, new level thresholds: signals, half-lives, transforms,
// caps, rules and triggers stay. Its
// features are the base model's Scorer::Features, which do not depend on the
// weights, so the learned model scores a visitor exactly as
// 100 · sigmoid(bias + Σ weight · feature) of the fit — in kaikud too.
#ifndef KAIKU_LIB_EVALUATION_TRAINING_H_
#define KAIKU_LIB_EVALUATION_TRAINING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kaiku/config/v1/model.pb.h"
#include "lib/evaluation/episodes.h"
#include "lib/evaluation/logistic.h"
#include "lib/scoring/model.h"

namespace kaiku::evaluation {

struct TrainingOptions {
  LogisticOptions logistic;
  // The learned model's version. Required.
  std::string version;
  // Sets the levels' enter thresholds to the learned scores that are best on
  // the training examples — warm: F2 (finds most buyers), hot: F1, sales-ready:
  // F0.5 (few false alarms) — kept rising, with the base model's exit/enter
  // ratios. Without it the base model's thresholds stay, which suits a
  // learned score only when the base rate is near the base model's.
  // Default: true.
  bool fit_levels = true;
};

struct TrainingResult {
  kaiku::config::v1::ScoringModel model;
  LogisticFit fit;
};

// Fits the weights on `examples` (features of `base`) and returns the learned
// model, checked by Model::Compile. INVALID_ARGUMENT without examples of both
// labels or without a valid version.
absl::StatusOr<TrainingResult> TrainModel(const scoring::Model& base,
                                          const std::vector<Example>& examples,
                                          const TrainingOptions& options);

}  // namespace kaiku::evaluation

#endif  // KAIKU_LIB_EVALUATION_TRAINING_H_
