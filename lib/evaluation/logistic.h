// L2-regularised logistic regression, fitted by Newton's method (the problem
// is small: a model has at most scoring::kMaxSignals features).
//
// Minimises  (1/n) Σ log(1 + exp(-y'·(bias + w·x)))  +  (l2/2)·|w|²
// with y' = ±1; the bias is not penalised. Convex, so the optimum is unique
// and the fit deterministic.
#ifndef KAIKU_LIB_EVALUATION_LOGISTIC_H_
#define KAIKU_LIB_EVALUATION_LOGISTIC_H_

#include <vector>

#include "absl/status/statusor.h"

namespace kaiku::evaluation {

struct LogisticOptions {
  // Weight of the L2 penalty. Default: 1e-3.
  double l2 = 1e-3;
  // Newton steps at most. Default: 100.
  int max_iterations = 100;
  // Stop when no coefficient moves more than this. Default: 1e-9.
  double tolerance = 1e-9;
};

struct LogisticFit {
  double bias = 0;
  std::vector<double> weights;
  int iterations = 0;
  // The minimised objective at the fit.
  double loss = 0;

  // sigmoid(bias + weights · x), for x of weights.size() features.
  double Probability(const std::vector<double>& x) const;
};

// `x` holds one feature vector per example, all of the same length; `y` the
// labels. INVALID_ARGUMENT when the shapes disagree, there are no examples, a
// feature is not finite, or l2 is negative; FAILED_PRECONDITION when Newton's
// method does not converge.
absl::StatusOr<LogisticFit> FitLogistic(
    const std::vector<std::vector<double>>& x, const std::vector<bool>& y,
    const LogisticOptions& options = {});

}  // namespace kaiku::evaluation

#endif  // KAIKU_LIB_EVALUATION_LOGISTIC_H_
