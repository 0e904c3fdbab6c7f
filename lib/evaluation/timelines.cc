#include "lib/evaluation/timelines.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/scoring/page_values.h"
#include "lib/storage/store.h"

namespace kaiku::evaluation {

absl::StatusOr<std::vector<Timeline>> TimelinesFromDataset(
    replay::Dataset dataset, const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<kaiku::v1::Event> events,
                   replay::ReadDatasetFile(dataset, path));
  // Page values as kaikud stamps them when the replay stores the events.
  scoring::PageValues page_values;
  for (kaiku::v1::Event& e : events) {
    const double value = page_values.Learn("", e);
    if (e.has_page_view()) e.mutable_page_view()->set_page_value(value);
  }
  std::vector<Timeline> timelines;
  absl::flat_hash_map<std::string, size_t> index;
  for (kaiku::v1::Event& e : events) {  // already in timeline order
    auto [it, added] = index.try_emplace(e.visitor_id(), timelines.size());
    if (added) timelines.push_back(Timeline{e.visitor_id(), {}});
    timelines[it->second].events.push_back(std::move(e));
  }
  return timelines;
}

absl::StatusOr<std::vector<Timeline>> TimelinesFromStore(
    const std::string& path, const std::string& tenant) {
  storage::StoreOptions options;
  options.path = path;
  options.read_only = true;
  ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store,
                   storage::Store::Open(options));
  std::vector<Timeline> timelines;
  RETURN_IF_ERROR(store->ForEachTimeline(
      tenant,
      [&](absl::string_view visitor, std::vector<kaiku::v1::Event> events) {
        timelines.push_back(Timeline{std::string(visitor), std::move(events)});
      }));
  return timelines;
}

std::vector<Example> AllExamples(const scoring::Scorer& scorer,
                                 const std::vector<Timeline>& timelines) {
  std::vector<Example> examples;
  for (const Timeline& t : timelines) {
    std::vector<Example> some = VisitorExamples(scorer, t.visitor_id, t.events);
    examples.insert(examples.end(), std::make_move_iterator(some.begin()),
                    std::make_move_iterator(some.end()));
  }
  return examples;
}

}  // namespace kaiku::evaluation
