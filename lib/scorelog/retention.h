// Retention of the score log: by age (append time) and by number of entries
// per tenant. The last entry of a tenant always stays (it carries the sequence
// number across restarts).
#ifndef KAIKU_LIB_SCORELOG_RETENTION_H_
#define KAIKU_LIB_SCORELOG_RETENTION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lib/storage/store.h"

namespace kaiku::scorelog {

struct RetentionOptions {
  // Entries appended longer ago than this are removed. Default: 7 days.
  absl::Duration max_age = absl::Hours(24 * 7);
  // At most this many entries per tenant are kept. Default: 10,000,000.
  uint64_t max_entries = 10000000;
};

// One pass over every tenant's log.
absl::Status ApplyRetention(storage::Store& store,
                            const RetentionOptions& options, absl::Time now);

}  // namespace kaiku::scorelog

#endif  // KAIKU_LIB_SCORELOG_RETENTION_H_
