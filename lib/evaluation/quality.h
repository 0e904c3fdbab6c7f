// One row of the evaluation table: how well a score ranks converted episodes
// above the others (metrics.h), and how early it flagged the buyers.
#ifndef KAIKU_LIB_EVALUATION_QUALITY_H_
#define KAIKU_LIB_EVALUATION_QUALITY_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "lib/evaluation/episodes.h"
#include "lib/evaluation/metrics.h"

namespace kaiku::evaluation {

struct Quality {
  int64_t examples = 0;
  int64_t positives = 0;
  double roc_auc = 0;
  double pr_auc = 0;
  // Models only: the ROC-AUC of the score after every event of the episodes
  // before the decision (Example::event_scores), each labelled with its
  // episode's outcome.
  std::optional<double> every_event_roc_auc;
  Classification best_f1;
  // score >= the threshold given to Measure (a model's hot `enter`); nullopt
  // for a score with no such threshold (a baseline).
  std::optional<Classification> at_threshold;
  int k = 0;
  double precision_at_k = 0;
  // Kaiku models only: the share of converted episodes whose visitor was HOT
  // or above on the score stream before converting, and the median time from
  // becoming hot to converting among them, in hours.
  std::optional<double> flagged_share;
  std::optional<double> median_lead_hours;
};

// `score` of each example; `threshold` for at_threshold; `with_lead_time`
// (a Kaiku model's examples) fills flagged_share and median_lead_hours from
// Example::hot_since_micros, and every_event_roc_auc.
Quality Measure(const std::vector<Example>& examples,
                absl::FunctionRef<double(const Example&)> score,
                std::optional<double> threshold, int k, bool with_lead_time);

}  // namespace kaiku::evaluation

#endif  // KAIKU_LIB_EVALUATION_QUALITY_H_
