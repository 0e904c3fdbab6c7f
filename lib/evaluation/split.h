// Held-out data for training and evaluation: a split of the examples by
// visitor (a visitor's episodes are all on one side, decided by a stable hash
// of the visitor id, so the same visitor falls on the same side in every run
// and every tool) or by time (the latest moments are held out).
#ifndef KAIKU_LIB_EVALUATION_SPLIT_H_
#define KAIKU_LIB_EVALUATION_SPLIT_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/evaluation/episodes.h"

namespace kaiku::evaluation {

enum class SplitKind { kVisitor, kTime };

// "visitor" or "time".
absl::StatusOr<SplitKind> ParseSplitKind(absl::string_view name);

struct Split {
  std::vector<Example> train;
  std::vector<Example> test;
};

// Holds out about `test_fraction` (0..1) of the examples.
Split SplitExamples(std::vector<Example> examples, SplitKind kind,
                    double test_fraction);

}  // namespace kaiku::evaluation

#endif  // KAIKU_LIB_EVALUATION_SPLIT_H_
