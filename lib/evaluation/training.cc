#include "lib/evaluation/training.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/common/status_macros.h"

namespace kaiku::evaluation {

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
  absl::StatusOr<std::shared_ptr<const scoring::Model>> compiled =
      scoring::Model::Compile(result.model);
  if (!compiled.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("learned model: ", compiled.status().message()));
  }
  return result;
}

}  // namespace kaiku::evaluation
