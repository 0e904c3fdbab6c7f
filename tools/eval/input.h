// The input flags shared by kaiku_eval and kaiku_train: which timelines
// (--dataset with --csv, or --store with --tenant) and which held-out split
// (--split, --test_fraction).
#ifndef KAIKU_TOOLS_EVAL_INPUT_H_
#define KAIKU_TOOLS_EVAL_INPUT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/evaluation/split.h"
#include "lib/evaluation/timelines.h"
#include "lib/replay/dataset.h"
#include "lib/scoring/model.h"

namespace kaiku::tools {

struct Input {
  replay::Dataset dataset;
  // What was read, for the report ("../shared/data/taobao-sample/train.csv").
  std::string source;
  std::vector<evaluation::Timeline> timelines;
  int64_t events = 0;
  evaluation::SplitKind split = evaluation::SplitKind::kVisitor;
  double test_fraction = 0.3;
};

// Reads the flags and the timelines they name; errors name the flag.
absl::StatusOr<Input> ReadInput();

// The model file at `path` (through kaikud's loader), or the built-in default
// model when `path` is empty; errors are prefixed with `--<flag>: `.
absl::StatusOr<std::shared_ptr<const scoring::Model>> LoadModelFlag(
    const std::string& path, absl::string_view flag);

}  // namespace kaiku::tools

#endif  // KAIKU_TOOLS_EVAL_INPUT_H_
