// The public clickstream datasets of ../shared/data/ turned into Kaiku events.
// Each mapping is documented where it is written (taobao.cc, rees46.cc,
// uci.cc) and in docs/evaluation.md ("The mappings"); the summary:
//
//   taobao  user_id,item_id,category_id,behavior_type,timestamp
//           pv   -> page view of /products/<category>/<item>
//           fav  -> page view of /wishlist/add?item=<item> (saved for later)
//           cart -> page view of /cart?item=<item>
//           buy  -> conversion
//           visitor "tb-<user_id>"; session_id: the visitor's day in China
//           time (the data has no sessions), so an episode is a visitor-day.
//   rees46  event_time,event_type,product_id,category_id,category_code,brand,
//           price,user_id,user_session
//           view -> page view of /products/<category path>/<product_id>
//           cart -> page view of /cart?product=<product_id>
//           purchase -> conversion with the price as value
//           visitor "rr-<user_id>"; session_id: user_session.
//   uci     one row per session: its administrative, informational and
//           product-related pages become page views of /account/..,
//           /about/.. and /products/.. with each page's share of the
//           category's duration as an Engagement; Revenue=TRUE becomes a
//           conversion at the end of the session; a Returning_Visitor gets
//           one earlier visit (a home page view, no session id) a week
//           before. Visitor and session "uci-<row>".
//
// Event ids are "<prefix>-<data line>[-<part>]", zero-padded, so that they are
// stable across runs (a replay repeated is deduplicated) and events of the
// same second keep the order of the file.
#ifndef KAIKU_LIB_REPLAY_DATASET_H_
#define KAIKU_LIB_REPLAY_DATASET_H_

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kaiku/v1/event.pb.h"

namespace kaiku::replay {

enum class Dataset { kTaobao, kRees46, kUci };

// Event times in the files must lie in 1970..9999 (the range of a
// google.protobuf.Timestamp).
inline constexpr int64_t kMaxUnixSeconds = 253402300799;

// "taobao", "rees46" or "uci".
absl::StatusOr<Dataset> ParseDataset(absl::string_view name);
absl::string_view DatasetName(Dataset dataset);

// Reads a CSV file of the dataset's format and maps every row. Events come in
// replay order: event time, ties in event_id order (the timeline order, so
// each visitor's events are folded as the server folds them). Errors name
// `source`, the line and the column.
absl::StatusOr<std::vector<kaiku::v1::Event>> ReadDataset(
    Dataset dataset, std::istream& in, const std::string& source);
absl::StatusOr<std::vector<kaiku::v1::Event>> ReadDatasetFile(
    Dataset dataset, const std::string& path);

// Moving a dataset to the present. Shifting by whole days keeps every gap,
// weekday and hour, so the scores are those of the original times.
//
// The whole days to add so that the last event (`events` in replay order)
// lands at least a minute before `now_micros`; 0 for no events.
int64_t DaysToEndBefore(const std::vector<kaiku::v1::Event>& events,
                        int64_t now_micros);
// Adds `days` whole days to every event time.
void ShiftByDays(std::vector<kaiku::v1::Event>& events, int64_t days);

// The mappings, in any order (ReadDataset sorts).
absl::StatusOr<std::vector<kaiku::v1::Event>> MapTaobao(
    std::istream& in, const std::string& source);
absl::StatusOr<std::vector<kaiku::v1::Event>> MapRees46(
    std::istream& in, const std::string& source);
absl::StatusOr<std::vector<kaiku::v1::Event>> MapUci(std::istream& in,
                                                     const std::string& source);

}  // namespace kaiku::replay

#endif  // KAIKU_LIB_REPLAY_DATASET_H_
