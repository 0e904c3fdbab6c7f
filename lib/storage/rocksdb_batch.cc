#include "lib/storage/rocksdb_batch.h"

#include <algorithm>

#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "kaiku/storage/v1/records.pb.h"

namespace kaiku::storage {
namespace {

// Appends the encoding of a record message made of a message field and an
// int64 field (TimelineRecord, ScoreLogRecord) — the same bytes as
// serializing the record, without copying `message` into one.
void AppendRecord(int message_field,
                  const google::protobuf::MessageLite& message, int int64_field,
                  int64_t value, std::string* out) {
  using ::google::protobuf::internal::WireFormatLite;
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(WireFormatLite::MakeTag(
      message_field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  coded.WriteVarint32(static_cast<uint32_t>(message.ByteSizeLong()));
  message.SerializeWithCachedSizes(&coded);
  coded.WriteTag(
      WireFormatLite::MakeTag(int64_field, WireFormatLite::WIRETYPE_VARINT));
  coded.WriteVarint64(static_cast<uint64_t>(value));
}

}  // namespace

void RocksBatch::PutEvent(absl::string_view tenant,
                          const kaiku::v1::Event& event,
                          int64_t received_at_micros) {
  Entry& timeline = Begin(kTimeline);
  buffer_ += TimelineKey(tenant, event.visitor_id(), EventTimeMicros(event),
                         event.event_id());
  EndKey(timeline);
  // A TimelineRecord, encoded without copying the event into one.
  AppendRecord(kaiku::storage::v1::TimelineRecord::kEventFieldNumber, event,
               kaiku::storage::v1::TimelineRecord::kReceivedAtMicrosFieldNumber,
               received_at_micros, &buffer_);
  EndValue(timeline);
  Add(kDedupe, DedupeKey(tenant, event.event_id()),
      DedupeValue(received_at_micros));
  ++size_;
}

void RocksBatch::AppendScoreEvent(absl::string_view tenant,
                                  const kaiku::v1::ScoreEvent& event) {
  std::string bytes;
  AppendRecord(kaiku::storage::v1::ScoreLogRecord::kEventFieldNumber, event,
               kaiku::storage::v1::ScoreLogRecord::kAppendedAtMicrosFieldNumber,
               absl::ToUnixMicros(clock_->Now()), &bytes);
  score_events_.emplace_back(std::string(tenant), std::move(bytes));
}

rocksdb::WriteBatch* RocksBatch::Seal() {
  std::stable_sort(entries_.begin(), entries_.end(),
                   [this](const Entry& a, const Entry& b) {
                     if (a.family != b.family) return a.family < b.family;
                     return Key(a) < Key(b);
                   });
  for (const Entry& e : entries_) {
    rocksdb::ColumnFamilyHandle* cf = families_[e.family];
    ++sealed_keys_[e.family];
    sealed_bytes_[e.family] += e.value_end - e.key_begin;
    if (e.is_delete) {
      sealed_bytes_[e.family] -= e.value_end - e.value_begin;
      batch_.Delete(cf, Slice(Key(e))).PermitUncheckedError();
    } else {
      batch_.Put(cf, Slice(Key(e)), Slice(Value(e))).PermitUncheckedError();
    }
  }
  return &batch_;
}

}  // namespace kaiku::storage
