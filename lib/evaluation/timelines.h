// Visitors' timelines for the offline tools, from a dataset file (mapped by
// lib/replay exactly as kaiku_replay publishes it) or from a Kaiku store (a
// checkpoint made with `kaikuctl checkpoint`, or the data directory of a
// stopped kaikud): the stored timelines, as the server folds them.
#ifndef KAIKU_LIB_EVALUATION_TIMELINES_H_
#define KAIKU_LIB_EVALUATION_TIMELINES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kaiku/v1/event.pb.h"
#include "lib/evaluation/episodes.h"
#include "lib/replay/dataset.h"
#include "lib/scoring/scorer.h"

namespace kaiku::evaluation {

struct Timeline {
  std::string visitor_id;
  // In timeline order (scoring::EventOrder).
  std::vector<kaiku::v1::Event> events;
};

// Visitors in order of their first event. Page views carry the page values
// (PageView.page_value) that a replay into kaikud gets, learned in event order
// (kaikud learns in the order it stores, which with several ingest shards may
// interleave visitors a little differently).
absl::StatusOr<std::vector<Timeline>> TimelinesFromDataset(
    replay::Dataset dataset, const std::string& path);

// Every visitor of `tenant` in the store at `path` (a RocksDB directory: a
// checkpoint, or <data_dir>/db of a kaikud that is not running), opened read
// only: nothing in it changes.
absl::StatusOr<std::vector<Timeline>> TimelinesFromStore(
    const std::string& path, const std::string& tenant);

// VisitorExamples of every timeline, in timeline order.
std::vector<Example> AllExamples(const scoring::Scorer& scorer,
                                 const std::vector<Timeline>& timelines);

}  // namespace kaiku::evaluation

#endif  // KAIKU_LIB_EVALUATION_TIMELINES_H_
