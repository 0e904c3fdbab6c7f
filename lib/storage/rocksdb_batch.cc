#include "lib/storage/rocksdb_batch.h"

#include <algorithm>

#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "kaiku/storage/v1/records.pb.h"
#include "lib/storage/rocksdb_event_log.h"

namespace kaiku::storage {
namespace {

// Appends the encoding of a record message made of a message field and an
// int64 field (TimelineRecord, ScoreLogRecord) — the same bytes as
// serializing the record, without copying `message` into one. Grows `out` by
// exactly those bytes (a StringOutputStream would resize it to its capacity,
// zero-filling the rest of a batch's buffer for every record).
// Returns where in `out` the message's bytes begin.
size_t AppendRecord(int message_field,
                    const google::protobuf::MessageLite& message,
                    int int64_field, int64_t value, std::string* out) {
  using ::google::protobuf::internal::WireFormatLite;
  using ::google::protobuf::io::CodedOutputStream;
  const uint32_t message_tag = WireFormatLite::MakeTag(
      message_field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  const uint32_t value_tag =
      WireFormatLite::MakeTag(int64_field, WireFormatLite::WIRETYPE_VARINT);
  const size_t body = message.ByteSizeLong();
  const size_t size =
      CodedOutputStream::VarintSize32(message_tag) +
      CodedOutputStream::VarintSize32(static_cast<uint32_t>(body)) + body +
      CodedOutputStream::VarintSize32(value_tag) +
      CodedOutputStream::VarintSize64(static_cast<uint64_t>(value));
  const size_t begin = out->size();
  out->resize(begin + size);
  uint8_t* p = reinterpret_cast<uint8_t*>(out->data() + begin);
  p = CodedOutputStream::WriteTagToArray(message_tag, p);
  p = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(body), p);
  const size_t message_begin =
      static_cast<size_t>(p - reinterpret_cast<uint8_t*>(out->data()));
  p = message.SerializeWithCachedSizesToArray(p);
  p = CodedOutputStream::WriteTagToArray(value_tag, p);
  CodedOutputStream::WriteVarint64ToArray(static_cast<uint64_t>(value), p);
  return message_begin;
}

}  // namespace

void RocksBatch::PutEvent(absl::string_view tenant,
                          const kaiku::v1::Event& event,
                          int64_t received_at_micros) {
  Entry& logged = Begin(kEvents);
  positions_->Next(received_at_micros, &buffer_);
  EndKey(logged);
  // The index entry's value is this key.
  char log_key[kEventLogKeyBytes];
  buffer_.copy(log_key, kEventLogKeyBytes, logged.key_begin);
  // A TimelineRecord, encoded without copying the event into one.
  AppendRecord(kaiku::storage::v1::TimelineRecord::kEventFieldNumber, event,
               kaiku::storage::v1::TimelineRecord::kReceivedAtMicrosFieldNumber,
               received_at_micros, &buffer_);
  EndValue(logged);
  Entry& indexed = Begin(kEventIndex);
  buffer_ += TimelineKey(tenant, event.visitor_id(), EventTimeMicros(event),
                         event.event_id());
  EndKey(indexed);
  buffer_.append(log_key, kEventLogKeyBytes);
  EndValue(indexed);
  ++size_;
}

void RocksBatch::AppendScoreEvent(absl::string_view tenant,
                                  const kaiku::v1::ScoreEvent& event) {
  ScoreLogAppend& append = score_events_.emplace_back();
  append.tenant = std::string(tenant);
  append.event_begin = static_cast<uint32_t>(AppendRecord(
      kaiku::storage::v1::ScoreLogRecord::kEventFieldNumber, event,
      kaiku::storage::v1::ScoreLogRecord::kAppendedAtMicrosFieldNumber,
      absl::ToUnixMicros(clock_->Now()), &append.record));
  append.event_size = static_cast<uint32_t>(event.GetCachedSize());
}

void RocksBatch::SealInto(rocksdb::WriteBatch* out) {
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
      out->Delete(cf, Slice(Key(e))).PermitUncheckedError();
    } else {
      out->Put(cf, Slice(Key(e)), Slice(Value(e))).PermitUncheckedError();
    }
  }
  for (const auto& [begin, end] : trims_) {
    out->DeleteRange(families_[kJournal], Slice(begin), Slice(end))
        .PermitUncheckedError();
  }
}

}  // namespace kaiku::storage
