#include "lib/evaluation/quality.h"

#include <algorithm>

namespace kaiku::evaluation {

Quality Measure(const std::vector<Example>& examples,
                absl::FunctionRef<double(const Example&)> score,
                std::optional<double> threshold, int k, bool with_lead_time) {
  std::vector<Labeled> labeled;
  labeled.reserve(examples.size());
  std::vector<Labeled> every_event;
  std::vector<double> leads;
  Quality q;
  for (const Example& e : examples) {
    labeled.push_back({score(e), e.converted});
    for (double s : e.event_scores) every_event.push_back({s, e.converted});
    if (!e.converted) continue;
    ++q.positives;
    if (e.hot_since_micros.has_value())
      leads.push_back(
          static_cast<double>(e.decision_micros - *e.hot_since_micros) / 3.6e9);
  }
  q.examples = static_cast<int64_t>(examples.size());
  q.roc_auc = RocAuc(labeled);
  q.pr_auc = AveragePrecision(labeled);
  q.best_f1 = BestF1(labeled);
  if (threshold.has_value()) q.at_threshold = ClassifyAt(labeled, *threshold);
  q.k = std::min<int>(k, static_cast<int>(examples.size()));
  q.precision_at_k = PrecisionAtK(labeled, k);
  if (with_lead_time) q.every_event_roc_auc = RocAuc(every_event);
  if (with_lead_time && q.positives > 0) {
    q.flagged_share =
        static_cast<double>(leads.size()) / static_cast<double>(q.positives);
    if (!leads.empty()) {
      std::sort(leads.begin(), leads.end());
      const size_t n = leads.size();
      q.median_lead_hours =
          n % 2 == 1 ? leads[n / 2] : (leads[n / 2 - 1] + leads[n / 2]) / 2;
    }
  }
  return q;
}

}  // namespace kaiku::evaluation
