#include "lib/scorelog/retention.h"

#include <algorithm>

#include "lib/common/status_macros.h"

namespace kaiku::scorelog {

absl::Status ApplyRetention(storage::Store& store,
                            const RetentionOptions& options, absl::Time now) {
  const int64_t oldest_kept = absl::ToUnixMicros(now - options.max_age);
  for (const std::string& tenant : store.ScoreLogTenants()) {
    const uint64_t first = store.FirstScoreSequence(tenant);
    const uint64_t last = store.LastScoreSequence(tenant);
    if (first == 0 || last == 0) continue;
    uint64_t first_kept = first;
    if (last - first + 1 > options.max_entries)
      first_kept = last - options.max_entries + 1;
    // Entries are appended in time order: skip the old ones from the front.
    for (bool more = true; more;) {
      ASSIGN_OR_RETURN(std::vector<storage::ScoreLogEntry> chunk,
                       store.ReadScoreLog(tenant, first_kept - 1, 1000));
      more = chunk.size() == 1000;
      for (const storage::ScoreLogEntry& e : chunk) {
        if (e.appended_at_micros >= oldest_kept) {
          more = false;
          break;
        }
        first_kept = e.sequence + 1;
      }
    }
    RETURN_IF_ERROR(store.TrimScoreLog(tenant, first_kept));
  }
  return absl::OkStatus();
}

}  // namespace kaiku::scorelog
