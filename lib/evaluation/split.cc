#include "lib/evaluation/split.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "lib/common/fnv.h"

namespace kaiku::evaluation {

absl::StatusOr<SplitKind> ParseSplitKind(absl::string_view name) {
  if (name == "visitor") return SplitKind::kVisitor;
  if (name == "time") return SplitKind::kTime;
  return absl::InvalidArgumentError(
      absl::StrCat("split: \"", name, "\" is not visitor or time"));
}

Split SplitExamples(std::vector<Example> examples, SplitKind kind,
                    double test_fraction) {
  test_fraction = std::clamp(test_fraction, 0.0, 1.0);
  Split split;
  if (kind == SplitKind::kVisitor) {
    const uint64_t cut =
        static_cast<uint64_t>(std::llround(test_fraction * 10000));
    for (Example& e : examples) {
      (Fnv1a64(e.visitor_id) % 10000 < cut ? split.test : split.train)
          .push_back(std::move(e));
    }
    return split;
  }
  std::vector<int64_t> moments;
  moments.reserve(examples.size());
  for (const Example& e : examples) moments.push_back(e.at_micros);
  std::sort(moments.begin(), moments.end());
  const size_t keep = static_cast<size_t>(
      std::llround((1 - test_fraction) * static_cast<double>(moments.size())));
  const int64_t cutoff = keep >= moments.size() ? INT64_MAX : moments[keep];
  for (Example& e : examples) {
    (e.at_micros >= cutoff ? split.test : split.train).push_back(std::move(e));
  }
  return split;
}

}  // namespace kaiku::evaluation
