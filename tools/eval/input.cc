#include "tools/eval/input.h"

#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/common/status_macros.h"
#include "lib/scoring/model_loader.h"

ABSL_FLAG(std::string, dataset, "",
          "taobao, rees46 or uci: the format of --csv, and the episodes' "
          "meaning. Required.");
ABSL_FLAG(
    std::string, csv, "",
    "A dataset file (e.g. ../shared/data/taobao-sample/train.csv), mapped "
    "as kaiku_replay publishes it.");
ABSL_FLAG(std::string, store, "",
          "Instead of --csv: a Kaiku store with the replayed timelines (a "
          "checkpoint from `kaikuctl checkpoint`, or <data_dir>/db of a "
          "stopped kaikud).");
ABSL_FLAG(std::vector<std::string>, tenant, {"default"},
          "With --store: the tenant to read; several, comma-separated, pool "
          "their visitors (then --dataset only names the output).");
ABSL_FLAG(std::string, split, "visitor",
          "visitor: hold out visitors by a stable hash of their id; time: hold "
          "out the latest episodes.");
ABSL_FLAG(double, test_fraction, 0.3,
          "The held-out share, 0..1 (0: no held-out part).");

namespace kaiku::tools {

absl::StatusOr<Input> ReadInput() {
  Input input;
  absl::StatusOr<replay::Dataset> dataset =
      replay::ParseDataset(absl::GetFlag(FLAGS_dataset));
  if (!dataset.ok())
    return absl::InvalidArgumentError(
        absl::StrCat("--", dataset.status().message()));
  input.dataset = *dataset;
  absl::StatusOr<evaluation::SplitKind> split =
      evaluation::ParseSplitKind(absl::GetFlag(FLAGS_split));
  if (!split.ok())
    return absl::InvalidArgumentError(
        absl::StrCat("--", split.status().message()));
  input.split = *split;
  input.test_fraction = absl::GetFlag(FLAGS_test_fraction);
  if (!(input.test_fraction >= 0 && input.test_fraction <= 1))
    return absl::InvalidArgumentError("--test_fraction: must be in 0..1");

  const std::string csv = absl::GetFlag(FLAGS_csv);
  const std::string store = absl::GetFlag(FLAGS_store);
  if (csv.empty() == store.empty())
    return absl::InvalidArgumentError("give one of --csv and --store");
  if (!csv.empty()) {
    input.source = csv;
    ASSIGN_OR_RETURN(input.timelines,
                     evaluation::TimelinesFromDataset(input.dataset, csv));
  } else {
    const std::vector<std::string> tenants = absl::GetFlag(FLAGS_tenant);
    input.source =
        absl::StrCat(store, " (tenant", tenants.size() > 1 ? "s " : " ",
                     absl::StrJoin(tenants, ", "), ")");
    for (const std::string& tenant : tenants) {
      ASSIGN_OR_RETURN(std::vector<evaluation::Timeline> some,
                       evaluation::TimelinesFromStore(store, tenant));
      input.timelines.insert(input.timelines.end(),
                             std::make_move_iterator(some.begin()),
                             std::make_move_iterator(some.end()));
    }
  }
  for (const evaluation::Timeline& t : input.timelines)
    input.events += static_cast<int64_t>(t.events.size());
  if (input.timelines.empty())
    return absl::NotFoundError(absl::StrCat("no timelines in ", input.source));
  return input;
}

absl::StatusOr<std::shared_ptr<const scoring::Model>> LoadModelFlag(
    const std::string& path, absl::string_view flag) {
  if (path.empty()) return scoring::DefaultModel();
  absl::StatusOr<std::shared_ptr<const scoring::Model>> model =
      scoring::LoadModelFile(path);
  if (!model.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": ", model.status().message()));
  }
  return model;
}

}  // namespace kaiku::tools
