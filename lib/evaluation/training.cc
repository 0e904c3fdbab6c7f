#include "lib/evaluation/training.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/common/fnv.h"
#include "lib/common/status_macros.h"
#include "lib/evaluation/metrics.h"

namespace kaiku::evaluation {
namespace {

void SetBand(double enter, double exit_ratio,
             kaiku::config::v1::LevelBand* band) {
  band->set_enter(enter);
  band->set_exit(enter * std::clamp(exit_ratio, 0.01, 1.0));
}

// See TrainingOptions::fit_levels.
void FitLevels(const std::vector<std::vector<double>>& x,
               const std::vector<bool>& y, const LogisticFit& fit,
               kaiku::config::v1::ScoringModel& model) {
  std::vector<Labeled> scored;
  scored.reserve(x.size());
  for (size_t n = 0; n < x.size(); ++n)
    scored.push_back({100 * fit.Probability(x[n]), y[n]});
  const double hot = std::clamp(BestFBeta(scored, 1).threshold, 1.0, 98.0);
  const double warm =
      std::clamp(BestFBeta(scored, 2).threshold, 0.5, hot * 0.8);
  const double sales_ready = std::clamp(BestFBeta(scored, 0.5).threshold,
                                        hot + (100 - hot) * 0.2, 99.5);
  kaiku::config::v1::LevelThresholds* levels = model.mutable_levels();
  auto ratio = [](const kaiku::config::v1::LevelBand& b) {
    return b.enter() > 0 ? b.exit() / b.enter() : 1.0;
  };
  const double warm_ratio = ratio(levels->warm());
  const double hot_ratio = std::max(warm_ratio, ratio(levels->hot()));
  const double sales_ratio = std::max(hot_ratio, ratio(levels->sales_ready()));
  SetBand(warm, warm_ratio, levels->mutable_warm());
  SetBand(hot, hot_ratio, levels->mutable_hot());
  SetBand(sales_ready, sales_ratio, levels->mutable_sales_ready());
}

// One signal's ramp features: knots x_0 = 0 < x_1 < ... and the columns
// [first, first + knots - 1) of the expanded features.
struct Curve {
  // One column, the feature itself (a weight, no shape).
  bool linear = false;
  std::vector<double> knots;
  int first = 0;
  bool monotone = false;
  double sign = 0;  // +1 rising, -1 falling, once known
};

// 0 and the quantiles of the positive values, at most `max_knots` in all.
std::vector<double> Knots(std::vector<double> values, int max_knots) {
  values.erase(std::remove_if(values.begin(), values.end(),
                              [](double v) { return !(v > 0); }),
               values.end());
  std::vector<double> knots = {0};
  if (values.empty()) return knots;
  std::sort(values.begin(), values.end());
  for (int k = 1; k < max_knots; ++k) {
    const size_t at =
        static_cast<size_t>(static_cast<double>(k) / (max_knots - 1) *
                            static_cast<double>(values.size() - 1));
    if (values[at] > knots.back()) knots.push_back(values[at]);
  }
  return knots;
}

double Ramp(const std::vector<double>& knots, size_t k, double v) {
  return std::clamp((v - knots[k - 1]) / (knots[k] - knots[k - 1]), 0.0, 1.0);
}

std::vector<double> Expand(const std::vector<Curve>& curves,
                           const std::vector<double>& features, int columns,
                           const std::vector<bool>& held) {
  std::vector<double> x(static_cast<size_t>(columns), 0.0);
  for (size_t i = 0; i < curves.size(); ++i) {
    const Curve& c = curves[i];
    if (c.linear) {
      if (!held[c.first]) x[c.first] = features[i];
      continue;
    }
    for (size_t k = 1; k < c.knots.size(); ++k) {
      const int column = c.first + static_cast<int>(k) - 1;
      if (!held[column]) x[column] = Ramp(c.knots, k, features[i]);
    }
  }
  return x;
}

// Fits the curves' coefficients (see the header) on the examples for which
// `use` holds.
absl::StatusOr<LogisticFit> FitCurves(const std::vector<Example>& examples,
                                      const std::vector<bool>& use,
                                      std::vector<Curve>& curves, int columns,
                                      const LogisticOptions& options) {
  std::vector<bool> held(static_cast<size_t>(columns), false);
  LogisticFit fit;
  std::vector<std::vector<double>> x;
  std::vector<bool> y;
  for (int round = 0; round < 32; ++round) {
    x.clear();
    y.clear();
    for (size_t n = 0; n < examples.size(); ++n) {
      if (!use[n]) continue;
      x.push_back(Expand(curves, examples[n].features, columns, held));
      y.push_back(examples[n].converted);
    }
    ASSIGN_OR_RETURN(fit, FitLogistic(x, y, options));
    bool changed = false;
    for (Curve& c : curves) {
      if (c.linear || !c.monotone || c.knots.size() < 2) continue;
      if (c.sign == 0) {
        double total = 0;
        for (size_t k = 1; k < c.knots.size(); ++k)
          total += fit.weights[c.first + k - 1];
        c.sign = total < 0 ? -1 : 1;
      }
      for (size_t k = 1; k < c.knots.size(); ++k) {
        const int column = c.first + static_cast<int>(k) - 1;
        if (!held[column] && fit.weights[column] * c.sign < 0) {
          held[column] = true;
          changed = true;
        }
      }
    }
    if (!changed) return fit;
  }
  return fit;
}

// The L2 weight of `grid` whose fits predict held-out visitors best: mean
// log-loss over three folds of the training examples, split by visitor.
absl::StatusOr<double> ChooseL2(const std::vector<Example>& examples,
                                const std::vector<Curve>& curves, int columns,
                                LogisticOptions options,
                                const std::vector<double>& grid) {
  std::vector<int> fold(examples.size());
  for (size_t n = 0; n < examples.size(); ++n)
    fold[n] = static_cast<int>(
        Fnv1a64(absl::StrCat("l2-fold/", examples[n].visitor_id)) % 3);
  const std::vector<bool> all(static_cast<size_t>(columns), false);
  double best = grid.front(),
         best_loss = std::numeric_limits<double>::infinity();
  for (double l2 : grid) {
    options.l2 = l2;
    double loss = 0;
    int64_t count = 0;
    for (int f = 0; f < 3; ++f) {
      std::vector<bool> use(examples.size());
      bool both = false, positive = false, negative = false;
      for (size_t n = 0; n < examples.size(); ++n) {
        use[n] = fold[n] != f;
        if (!use[n]) continue;
        positive = positive || examples[n].converted;
        negative = negative || !examples[n].converted;
      }
      both = positive && negative;
      if (!both) continue;
      std::vector<Curve> copy = curves;
      ASSIGN_OR_RETURN(LogisticFit fit,
                       FitCurves(examples, use, copy, columns, options));
      for (size_t n = 0; n < examples.size(); ++n) {
        if (use[n]) continue;
        const double p = std::clamp(
            fit.Probability(Expand(copy, examples[n].features, columns, all)),
            1e-12, 1 - 1e-12);
        loss -= std::log(examples[n].converted ? p : 1 - p);
        ++count;
      }
    }
    if (count > 0 && loss / count < best_loss) {
      best_loss = loss / count;
      best = l2;
    }
  }
  return best;
}

}  // namespace

absl::StatusOr<TrainingResult> TrainModel(const scoring::Model& base,
                                          const std::vector<Example>& examples,
                                          const TrainingOptions& options) {
  std::vector<std::vector<double>> x;
  std::vector<bool> y;
  int positives = 0;
  x.reserve(examples.size());
  y.reserve(examples.size());
  for (const Example& e : examples) {
    x.push_back(e.features);
    y.push_back(e.converted);
    positives += e.converted ? 1 : 0;
  }
  if (positives == 0 || positives == static_cast<int>(examples.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("training needs converted and unconverted episodes; got ",
                     positives, " of ", examples.size(), " converted"));
  }
  TrainingResult result;
  result.model = base.proto();
  result.model.set_version(options.version);
  const bool shapes = options.shapes != ShapeKind::kWeight;
  if (shapes && (options.knots < 2 || options.knots > scoring::kMaxShapeKnots))
    return absl::InvalidArgumentError(
        absl::StrCat("knots must be 2..", scoring::kMaxShapeKnots));
  std::vector<Curve> curves(base.signals().size());
  int columns = 0;
  for (size_t i = 0; i < curves.size(); ++i) {
    Curve& c = curves[i];
    c.first = columns;
    if (!shapes) {
      c.linear = true;
      columns += 1;
      continue;
    }
    std::vector<double> values;
    values.reserve(x.size());
    for (const std::vector<double>& features : x) values.push_back(features[i]);
    c.knots = Knots(std::move(values), options.knots);
    const kaiku::config::v1::Aggregate aggregate = base.signals()[i].aggregate;
    c.monotone = options.shapes == ShapeKind::kMonotone &&
                 aggregate != kaiku::config::v1::AGGREGATE_HOUR_OF_DAY &&
                 aggregate != kaiku::config::v1::AGGREGATE_WEEKDAY;
    columns += static_cast<int>(c.knots.size()) - 1;
  }
  LogisticOptions logistic = options.logistic;
  if (!options.l2_grid.empty()) {
    ASSIGN_OR_RETURN(logistic.l2, ChooseL2(examples, curves, columns, logistic,
                                           options.l2_grid));
  }
  result.l2 = logistic.l2;
  ASSIGN_OR_RETURN(result.fit,
                   FitCurves(examples, std::vector<bool>(examples.size(), true),
                             curves, columns, logistic));
  x.clear();
  const std::vector<bool> none(static_cast<size_t>(columns), false);
  for (const Example& e : examples)
    x.push_back(Expand(curves, e.features, columns, none));
  for (size_t i = 0; i < curves.size() && shapes; ++i) {
    kaiku::config::v1::Signal* signal =
        result.model.mutable_signals(static_cast<int>(i));
    signal->set_weight(0);
    signal->clear_shape();
    const Curve& c = curves[i];
    if (c.knots.size() < 2) continue;  // never non-zero: no contribution
    double y_k = 0;
    signal->mutable_shape()->add_x(0);
    signal->mutable_shape()->add_y(0);
    for (size_t k = 1; k < c.knots.size(); ++k) {
      y_k += result.fit.weights[c.first + k - 1];
      signal->mutable_shape()->add_x(c.knots[k]);
      signal->mutable_shape()->add_y(y_k);
    }
  }
  result.model.set_bias(result.fit.bias);
  for (int i = 0; i < result.model.signals_size(); ++i) {
    kaiku::config::v1::Signal* signal = result.model.mutable_signals(i);
    const bool shaped = signal->has_shape();
    signal->set_note(absl::StrFormat(
        "learned from %d episodes (%d converted), l2 %g%s; the base model "
        "(%s) had weight %g",
        examples.size(), positives, result.l2,
        shaped ? ", a curve over f(value)" : "", base.version(),
        base.proto().signals(i).weight()));
    if (options.shapes == ShapeKind::kWeight) {
      signal->clear_shape();
      signal->set_weight(result.fit.weights[i]);
    }
  }
  if (options.fit_levels) FitLevels(x, y, result.fit, result.model);
  absl::StatusOr<std::shared_ptr<const scoring::Model>> compiled =
      scoring::Model::Compile(result.model);
  if (!compiled.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("learned model: ", compiled.status().message()));
  }
  return result;
}

}  // namespace kaiku::evaluation
