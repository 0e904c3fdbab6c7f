#include "lib/evaluation/logistic.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace kaiku::evaluation {
namespace {

// log(1 + exp(z)), without overflow.
double Softplus(double z) {
  return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

double Sigmoid(double z) {
  return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z));
}

// Coefficients: [0] the bias, [1..d] the weights.
double Loss(const std::vector<std::vector<double>>& x,
            const std::vector<bool>& y, const std::vector<double>& beta,
            double l2) {
  double loss = 0;
  for (size_t n = 0; n < x.size(); ++n) {
    double z = beta[0];
    for (size_t j = 0; j < x[n].size(); ++j) z += beta[j + 1] * x[n][j];
    loss += Softplus(y[n] ? -z : z);
  }
  loss /= static_cast<double>(x.size());
  for (size_t j = 1; j < beta.size(); ++j) loss += l2 / 2 * beta[j] * beta[j];
  return loss;
}

// Solves a·s = b for a symmetric positive definite `a` (Cholesky); false when
// `a` is not positive definite.
bool Solve(std::vector<std::vector<double>> a, std::vector<double> b,
           std::vector<double>* s) {
  const size_t m = b.size();
  for (size_t j = 0; j < m; ++j) {
    double d = a[j][j];
    for (size_t k = 0; k < j; ++k) d -= a[j][k] * a[j][k];
    if (!(d > 0)) return false;
    a[j][j] = std::sqrt(d);
    for (size_t i = j + 1; i < m; ++i) {
      double v = a[i][j];
      for (size_t k = 0; k < j; ++k) v -= a[i][k] * a[j][k];
      a[i][j] = v / a[j][j];
    }
  }
  for (size_t i = 0; i < m; ++i) {  // L·u = b
    for (size_t k = 0; k < i; ++k) b[i] -= a[i][k] * b[k];
    b[i] /= a[i][i];
  }
  for (size_t i = m; i-- > 0;) {  // Lᵀ·s = u
    for (size_t k = i + 1; k < m; ++k) b[i] -= a[k][i] * b[k];
    b[i] /= a[i][i];
  }
  *s = std::move(b);
  return true;
}

}  // namespace

double LogisticFit::Probability(const std::vector<double>& x) const {
  double z = bias;
  for (size_t j = 0; j < weights.size(); ++j) z += weights[j] * x[j];
  return Sigmoid(z);
}

absl::StatusOr<LogisticFit> FitLogistic(
    const std::vector<std::vector<double>>& x, const std::vector<bool>& y,
    const LogisticOptions& options) {
  if (x.empty()) return absl::InvalidArgumentError("no examples to fit");
  if (x.size() != y.size())
    return absl::InvalidArgumentError("as many labels as examples needed");
  if (!(options.l2 >= 0))
    return absl::InvalidArgumentError("l2 must not be negative");
  const size_t d = x[0].size();
  for (size_t n = 0; n < x.size(); ++n) {
    if (x[n].size() != d) {
      return absl::InvalidArgumentError(absl::StrCat(
          "example ", n, " has ", x[n].size(), " features, the first has ", d));
    }
    for (double v : x[n]) {
      if (!std::isfinite(v))
        return absl::InvalidArgumentError(
            absl::StrCat("example ", n, " has a feature that is not finite"));
    }
  }
  const size_t m = d + 1;
  const double inv_n = 1.0 / static_cast<double>(x.size());
  std::vector<double> beta(m, 0.0);
  double loss = Loss(x, y, beta, options.l2);
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    std::vector<double> gradient(m, 0.0);
    std::vector<std::vector<double>> hessian(m, std::vector<double>(m, 0.0));
    for (size_t n = 0; n < x.size(); ++n) {
      double z = beta[0];
      for (size_t j = 0; j < d; ++j) z += beta[j + 1] * x[n][j];
      const double p = Sigmoid(z);
      const double r = (p - (y[n] ? 1.0 : 0.0)) * inv_n;
      const double w = p * (1 - p) * inv_n;
      for (size_t i = 0; i < m; ++i) {
        const double xi = i == 0 ? 1.0 : x[n][i - 1];
        if (xi == 0) continue;
        gradient[i] += r * xi;
        for (size_t j = 0; j <= i; ++j) {
          const double xj = j == 0 ? 1.0 : x[n][j - 1];
          hessian[i][j] += w * xi * xj;
        }
      }
    }
    for (size_t i = 1; i < m; ++i) {
      gradient[i] += options.l2 * beta[i];
      hessian[i][i] += options.l2;
    }
    // A feature that is always zero (and no penalty) leaves the Hessian
    // singular: a tiny ridge keeps its weight at 0.
    for (size_t i = 0; i < m; ++i) {
      hessian[i][i] += 1e-12;
      for (size_t j = 0; j < i; ++j) hessian[j][i] = hessian[i][j];
    }
    std::vector<double> step;
    if (!Solve(hessian, gradient, &step))
      return absl::FailedPreconditionError("singular Hessian in the fit");
    // Damped: halve the step until the loss does not grow.
    double scale = 1;
    std::vector<double> next(m);
    double next_loss = loss;
    for (int k = 0; k < 40; ++k, scale /= 2) {
      for (size_t i = 0; i < m; ++i) next[i] = beta[i] - scale * step[i];
      next_loss = Loss(x, y, next, options.l2);
      if (next_loss <= loss) break;
    }
    double moved = 0;
    for (size_t i = 0; i < m; ++i)
      moved = std::max(moved, std::abs(next[i] - beta[i]));
    beta = next;
    loss = std::min(loss, next_loss);
    if (moved < options.tolerance) {
      LogisticFit fit;
      fit.bias = beta[0];
      fit.weights.assign(beta.begin() + 1, beta.end());
      fit.iterations = iteration;
      fit.loss = loss;
      return fit;
    }
  }
  return absl::FailedPreconditionError(
      absl::StrCat("the fit did not converge in ", options.max_iterations,
                   " Newton steps; raise l2"));
}

}  // namespace kaiku::evaluation
