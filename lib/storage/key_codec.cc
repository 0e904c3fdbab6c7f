#include "lib/storage/key_codec.h"

#include "lib/common/logging.h"

namespace kaiku::storage {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

void AppendBigEndian(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xff));
}

void AppendLengthPrefixed(absl::string_view s, std::string* out) {
  CHECK(s.size() <= kMaxKeyStringBytes) << "key string too long: " << s.size();
  out->push_back(static_cast<char>(s.size()));
  out->append(s.data(), s.size());
}

bool ConsumeLengthPrefixed(absl::string_view* in, absl::string_view* s) {
  if (in->empty()) return false;
  size_t n = static_cast<uint8_t>((*in)[0]);
  if (in->size() < 1 + n) return false;
  *s = in->substr(1, n);
  in->remove_prefix(1 + n);
  return true;
}

}  // namespace

void AppendTimeMicros(int64_t micros, std::string* out) {
  AppendBigEndian(static_cast<uint64_t>(micros) ^ kSignBit, out);
}

int64_t DecodeTimeMicros(absl::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return static_cast<int64_t>(v ^ kSignBit);
}

void AppendEventLogKey(int64_t log_time_micros, uint64_t sequence,
                       std::string* out) {
  AppendTimeMicros(log_time_micros, out);
  AppendBigEndian(sequence, out);
}

std::string EventLogKey(int64_t log_time_micros, uint64_t sequence) {
  std::string key;
  key.reserve(kEventLogKeyBytes);
  AppendEventLogKey(log_time_micros, sequence, &key);
  return key;
}

bool DecodeEventLogKey(absl::string_view key, int64_t* log_time_micros,
                       uint64_t* sequence) {
  if (key.size() != kEventLogKeyBytes) return false;
  *log_time_micros = DecodeTimeMicros(key);
  return DecodeSequence(key.substr(8), sequence);
}

std::string TimelineVisitorPrefix(absl::string_view tenant,
                                  absl::string_view visitor_id) {
  std::string key;
  key.reserve(2 + tenant.size() + visitor_id.size());
  AppendLengthPrefixed(tenant, &key);
  AppendLengthPrefixed(visitor_id, &key);
  return key;
}

std::string TimelineKey(absl::string_view tenant, absl::string_view visitor_id,
                        int64_t event_time_micros, absl::string_view event_id) {
  std::string key = TimelineVisitorPrefix(tenant, visitor_id);
  key.reserve(key.size() + 8 + event_id.size());
  AppendTimeMicros(event_time_micros, &key);
  key.append(event_id.data(), event_id.size());
  return key;
}

bool DecodeTimelineKey(absl::string_view key, TimelineKeyParts* parts) {
  if (!ConsumeLengthPrefixed(&key, &parts->tenant)) return false;
  if (!ConsumeLengthPrefixed(&key, &parts->visitor_id)) return false;
  if (key.size() < 8) return false;
  parts->event_time_micros = DecodeTimeMicros(key);
  parts->event_id = key.substr(8);
  return true;
}

std::string VisitorKey(absl::string_view tenant, absl::string_view visitor_id) {
  return TimelineVisitorPrefix(tenant, visitor_id);
}

bool DecodeVisitorKey(absl::string_view key, absl::string_view* tenant,
                      absl::string_view* visitor_id) {
  return ConsumeLengthPrefixed(&key, tenant) &&
         ConsumeLengthPrefixed(&key, visitor_id) && key.empty();
}

std::string VisitorStateValue(int64_t last_event_micros,
                              absl::string_view state) {
  std::string value;
  value.reserve(8 + state.size());
  AppendTimeMicros(last_event_micros, &value);
  value.append(state.data(), state.size());
  return value;
}

bool DecodeVisitorStateValue(absl::string_view value,
                             int64_t* last_event_micros,
                             absl::string_view* state) {
  if (value.size() < 8) return false;
  *last_event_micros = DecodeTimeMicros(value);
  *state = value.substr(8);
  return true;
}

std::string TenantPrefix(absl::string_view tenant) {
  std::string key;
  AppendLengthPrefixed(tenant, &key);
  return key;
}

std::string EncodeSequence(uint64_t sequence) {
  std::string out;
  AppendBigEndian(sequence, &out);
  return out;
}

bool DecodeSequence(absl::string_view value, uint64_t* sequence) {
  if (value.size() != 8) return false;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(value[i]);
  *sequence = v;
  return true;
}

std::string ScoreLogKey(absl::string_view tenant, uint64_t sequence) {
  return TenantPrefix(tenant) + EncodeSequence(sequence);
}

bool DecodeScoreLogKey(absl::string_view key, absl::string_view* tenant,
                       uint64_t* sequence) {
  return ConsumeLengthPrefixed(&key, tenant) && DecodeSequence(key, sequence);
}

std::string ConsumerKey(absl::string_view tenant, absl::string_view consumer) {
  std::string key = TenantPrefix(tenant);
  key.append(consumer.data(), consumer.size());
  return key;
}

std::string JournalRecordKey(uint32_t shard, uint64_t sequence) {
  std::string key = "r";
  key.push_back(static_cast<char>(shard & 0xff));
  key += EncodeSequence(sequence);
  return key;
}

bool DecodeJournalRecordKey(absl::string_view key, uint32_t* shard,
                            uint64_t* sequence) {
  if (key.size() != 10 || key[0] != 'r') return false;
  *shard = static_cast<uint8_t>(key[1]);
  return DecodeSequence(key.substr(2), sequence);
}

std::string JournalModelKey(uint32_t fingerprint) {
  std::string key = "m";
  for (int shift = 24; shift >= 0; shift -= 8)
    key.push_back(static_cast<char>((fingerprint >> shift) & 0xff));
  return key;
}

std::string PrefixSuccessor(absl::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    if (static_cast<uint8_t>(s.back()) != 0xff) {
      s.back() = static_cast<char>(static_cast<uint8_t>(s.back()) + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

}  // namespace kaiku::storage
