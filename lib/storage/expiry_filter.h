// Age-based expiry of stored entries, applied by RocksDB compaction: an entry
// whose time is older than `now - max_age` is dropped when compaction next
// touches its file. Combined with periodic compaction (StoreOptions), data is
// physically gone within a bounded time.
#ifndef KAIKU_LIB_STORAGE_EXPIRY_FILTER_H_
#define KAIKU_LIB_STORAGE_EXPIRY_FILTER_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/common/clock.h"
#include "rocksdb/compaction_filter.h"

namespace kaiku::storage {

// Thread safety: Filter() is const and may run on many compaction threads at
// once.
class ExpiryFilter : public rocksdb::CompactionFilter {
 public:
  // Extracts an entry's time (Unix microseconds) from its key and value;
  // nullopt keeps the entry (a malformed entry is never silently dropped).
  using TimeOf = std::optional<int64_t> (*)(absl::string_view key,
                                            absl::string_view value);

  // `clock` must outlive the filter.
  ExpiryFilter(const char* name, TimeOf time_of, absl::Duration max_age,
               const Clock* clock)
      : name_(name), time_of_(time_of), max_age_(max_age), clock_(clock) {}

  bool Filter(int level, const rocksdb::Slice& key,
              const rocksdb::Slice& existing_value, std::string* new_value,
              bool* value_changed) const override;
  const char* Name() const override { return name_; }

 private:
  const char* const name_;
  const TimeOf time_of_;
  const absl::Duration max_age_;
  const Clock* const clock_;
};

// Time extractors for the column families of key_codec.h.
std::optional<int64_t> TimelineEntryTime(absl::string_view key,
                                         absl::string_view value);
std::optional<int64_t> EventLogEntryTime(absl::string_view key,
                                         absl::string_view value);
std::optional<int64_t> VisitorStateEntryTime(absl::string_view key,
                                             absl::string_view value);

}  // namespace kaiku::storage

#endif  // KAIKU_LIB_STORAGE_EXPIRY_FILTER_H_
