// Learning a scoring model's weights from labelled examples (episodes.h).
//
// The learned model is the base model with a new `bias` and, per signal, a new
// `weight` or (with shapes) a learned curve, and, with fit_levels, new level
// thresholds: signals, half-lives, transforms, caps, rules and triggers stay.
// Its features are the base model's Scorer::Features, which do not depend on
// the weights, so the learned model scores a visitor exactly as
// 100 · sigmoid(bias + Σ contribution_i(feature_i)) of the fit — in kaikud too,
// and every score still reads as a sum of per-signal contributions.
//
// Shapes (a generalized additive model): each signal's contribution is a
// piecewise-linear curve over f(value) with knots at 0 and at quantiles of its
// non-zero values in the training examples. The fit is the same penalised
// logistic regression on ramp features (one per knot interval), whose
// coefficients are the curve's slopes' steps, so the L2 penalty smooths the
// curve toward flat. kMonotone keeps each curve rising or falling throughout
// (the direction of its free fit), by refitting with the steps of the wrong
// sign held at 0 until none is left; the hour and weekday stay free.
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

enum class ShapeKind { kWeight, kFree, kMonotone };

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
  // One weight per signal (default), or a learned curve.
  ShapeKind shapes = ShapeKind::kWeight;
  // With shapes: knots per curve, at most (2..scoring::kMaxShapeKnots).
  int knots = 8;
  // When not empty, logistic.l2 is chosen from these: the one whose fits
  // predict held-out visitors best (mean log-loss, three folds of the
  // training examples split by visitor).
  std::vector<double> l2_grid;
};

struct TrainingResult {
  kaiku::config::v1::ScoringModel model;
  LogisticFit fit;
  // The L2 weight of the fit (chosen from l2_grid, or logistic.l2).
  double l2 = 0;
};

// Fits the weights on `examples` (features of `base`) and returns the learned
// model, checked by Model::Compile. INVALID_ARGUMENT without examples of both
// labels or without a valid version.
absl::StatusOr<TrainingResult> TrainModel(const scoring::Model& base,
                                          const std::vector<Example>& examples,
                                          const TrainingOptions& options);

}  // namespace kaiku::evaluation

#endif  // KAIKU_LIB_EVALUATION_TRAINING_H_
