#include "lib/replay/dataset.h"

#include <algorithm>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "lib/scoring/fold.h"

namespace kaiku::replay {

absl::StatusOr<Dataset> ParseDataset(absl::string_view name) {
  if (name == "taobao") return Dataset::kTaobao;
  if (name == "rees46") return Dataset::kRees46;
  if (name == "uci") return Dataset::kUci;
  return absl::InvalidArgumentError(absl::StrCat(
      "dataset: \"", name, "\" is not one of taobao, rees46, uci"));
}

absl::string_view DatasetName(Dataset dataset) {
  switch (dataset) {
    case Dataset::kTaobao:
      return "taobao";
    case Dataset::kRees46:
      return "rees46";
    case Dataset::kUci:
      return "uci";
  }
  return "";
}

absl::StatusOr<std::vector<kaiku::v1::Event>> ReadDataset(
    Dataset dataset, std::istream& in, const std::string& source) {
  absl::StatusOr<std::vector<kaiku::v1::Event>> events;
  switch (dataset) {
    case Dataset::kTaobao:
      events = MapTaobao(in, source);
      break;
    case Dataset::kRees46:
      events = MapRees46(in, source);
      break;
    case Dataset::kUci:
      events = MapUci(in, source);
      break;
  }
  if (!events.ok()) return events.status();
  std::stable_sort(events->begin(), events->end(), scoring::EventOrder);
  return events;
}

absl::StatusOr<std::vector<kaiku::v1::Event>> ReadDatasetFile(
    Dataset dataset, const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  return ReadDataset(dataset, in, path);
}

namespace {
constexpr int64_t kDayMicros = int64_t{86400} * 1000000;
}  // namespace

int64_t DaysToEndBefore(const std::vector<kaiku::v1::Event>& events,
                        int64_t now_micros) {
  if (events.empty()) return 0;
  const int64_t last =
      google::protobuf::util::TimeUtil::TimestampToMicroseconds(
          events.back().occurred_at());
  const int64_t target = now_micros - 60 * 1000000;
  // Floor division: the last event never lands after the target.
  const int64_t gap = target - last;
  return gap >= 0 ? gap / kDayMicros : -((-gap + kDayMicros - 1) / kDayMicros);
}

void ShiftByDays(std::vector<kaiku::v1::Event>& events, int64_t days) {
  using ::google::protobuf::util::TimeUtil;
  for (kaiku::v1::Event& e : events) {
    *e.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(
        TimeUtil::TimestampToMicroseconds(e.occurred_at()) + days * kDayMicros);
  }
}

}  // namespace kaiku::replay
