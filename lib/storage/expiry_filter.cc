#include "lib/storage/expiry_filter.h"

#include "lib/storage/key_codec.h"

namespace kaiku::storage {

bool ExpiryFilter::Filter(int /*level*/, const rocksdb::Slice& key,
                          const rocksdb::Slice& existing_value,
                          std::string* /*new_value*/,
                          bool* /*value_changed*/) const {
  std::optional<int64_t> t =
      time_of_(absl::string_view(key.data(), key.size()),
               absl::string_view(existing_value.data(), existing_value.size()));
  if (!t.has_value()) return false;
  return *t < absl::ToUnixMicros(clock_->Now() - max_age_);
}

std::optional<int64_t> TimelineEntryTime(absl::string_view key,
                                         absl::string_view) {
  TimelineKeyParts parts;
  if (!DecodeTimelineKey(key, &parts)) return std::nullopt;
  return parts.event_time_micros;
}

std::optional<int64_t> EventLogEntryTime(absl::string_view key,
                                         absl::string_view) {
  int64_t micros;
  uint64_t sequence;
  if (!DecodeEventLogKey(key, &micros, &sequence)) return std::nullopt;
  return micros;
}

std::optional<int64_t> VisitorStateEntryTime(absl::string_view,
                                             absl::string_view value) {
  int64_t micros;
  absl::string_view state;
  if (!DecodeVisitorStateValue(value, &micros, &state)) return std::nullopt;
  return micros;
}

}  // namespace kaiku::storage
