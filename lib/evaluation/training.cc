#include "lib/evaluation/training.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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
  ASSIGN_OR_RETURN(result.fit, FitLogistic(x, y, options.logistic));
  result.model = base.proto();
  result.model.set_version(options.version);
  result.model.set_bias(result.fit.bias);
  for (int i = 0; i < result.model.signals_size(); ++i) {
    kaiku::config::v1::Signal* signal = result.model.mutable_signals(i);
    signal->set_note(absl::StrFormat(
        "learned from %d episodes (%d converted), l2 %g; the base model "
        "(%s) had %g",
        examples.size(), positives, options.logistic.l2, base.version(),
        signal->weight()));
    signal->set_weight(result.fit.weights[i]);
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
