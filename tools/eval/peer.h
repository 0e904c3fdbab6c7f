// The offline peer of kaiku_eval: the examples' history features written out
// for a learner outside Kaiku (tools/eval/gbm_peer.py, XGBoost), and that
// learner's held-out scores read back, so that its row is measured by the
// same code, on the same episodes and moments, as Kaiku's.
//
//   features file: side,converted,visitor,episode, then history.<name> for
//                  each of HistoryFeatureNames() and signal.<name> for each
//                  signal of the model (Example::features: f of its value);
//                  side is train or test; NaN marks a missing value.
//   scores file:   visitor,episode,score   (one row per test example)
#ifndef KAIKU_TOOLS_EVAL_PEER_H_
#define KAIKU_TOOLS_EVAL_PEER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/evaluation/episodes.h"
#include "lib/evaluation/timelines.h"
#include "lib/scoring/model.h"

namespace kaiku::tools {

// Writes every example of `train` and `test` (examples of `timelines`) with
// its history features to `path`.
absl::Status WriteFeatures(const std::string& path, const scoring::Model& model,
                           absl::TimeZone zone,
                           const std::vector<evaluation::Timeline>& timelines,
                           const std::vector<evaluation::Example>& train,
                           const std::vector<evaluation::Example>& test);

// The scores of `path`, one per example of `test` in its order; errors name
// the file and line, or the first example without a score.
absl::StatusOr<std::vector<double>> ReadPeerScores(
    const std::string& path, const std::vector<evaluation::Example>& test);

}  // namespace kaiku::tools

#endif  // KAIKU_TOOLS_EVAL_PEER_H_
