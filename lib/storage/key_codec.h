// Key layout of Kaiku's RocksDB store. This file is the only place that knows
// it.
//
// Integers are big-endian and fixed-width so that bytes sort like numbers.
// Strings inside a key are length-prefixed with one byte (ids are at most 128
// bytes), so that one visitor's keys form one contiguous range that no other
// visitor's keys can fall into.
//
// Column family "events" (the event log: every stored event once, in arrival
// order):
//   key   = u64 log time (microseconds since the Unix epoch, sign bit flipped)
//           | u64 log sequence number (big-endian)
//   value = kaiku.storage.v1.TimelineRecord (the event as accepted, and its
//           arrival time)
//   The log time is the event's arrival time, raised where needed to the
//   greatest log time written before, so keys only grow: memtables flush into
//   files whose key ranges do not overlap, compaction moves them down without
//   rewriting them, and retention deletes whole files whose log times are past
//   it (lib/storage/rocksdb_event_log.h). The sequence number (1, 2, ... per
//   store, never reused) keeps the keys of one microsecond apart.
//
// Column family "event_index" (one entry per stored event, per visitor):
//   key   = u8 len(tenant) | tenant | u8 len(visitor_id) | visitor_id
//           | u64 event time (microseconds since the Unix epoch, sign bit
//           flipped) | event_id                                   (the rest of
//           the key)
//   value = the event's key in "events" (16 bytes)
//   A visitor's events sort in event-time order, ties in event_id order; the
//   event_id suffix makes the key of one event unique and the same on every
//   retry, so a point read of it tells a retry from a new event (dedupe).
//
// Stores written before the event log kept each event's record in a column
// family "timeline" under its event_index key; opening such a store for
// writing moves the records into the log (rocksdb_event_log.h).
//
// Column family "visitor_state" (one entry per visitor):
//   key   = u8 len(tenant) | tenant | u8 len(visitor_id) | visitor_id
//           (the visitor key: the timeline prefix)
//   value = u64 time of the visitor's last event (sign bit flipped)
//           | the scorer's encoded state (lib/scoring/visitor_state.cc)
//
// Column family "leads" (visitors at WARM or above, or being cooled down):
//   key   = the visitor key
//   value = empty
//
// Column family "scorelog" (the score stream, per tenant):
//   key   = u8 len(tenant) | tenant | u64 sequence number (1, 2, ...; gap-free)
//   value = kaiku.storage.v1.ScoreLogRecord (the ScoreEvent with visitor_id
//   set,
//           id and cursor empty — derived from the sequence number when read —
//           and the append time)
//   Retention removes a prefix of each tenant's range (by age and by count);
//   ForgetVisitor removes the visitor's entries.
//
// Column family "consumers" (named score-stream consumers' committed cursors):
//   key   = u8 len(tenant) | tenant | consumer name
//   value = u64 sequence number of the last entry the consumer processed
//
// Column family "journal" (the ingest workers' journal, lib/ingest/journal.h):
//   key   = 'r' | u8 shard | u64 sequence number (1, 2, ... per shard)
//   value = kaiku.storage.v1.JournalRecord
//   key   = 'm' | u32 model fingerprint
//   value = kaiku.config.v1.ScoringModel (a model journal records refer to)
//   Records are appended in order and deleted as ranges (a shard's records
//   below a sequence number) once the visitor states they changed are written.
//
// Entries expire by age (lib/storage/expiry_filter.h): event_index entries by
// the event time in the key, visitor states by their last event time, both in
// compaction; the event log by its log time, in whole files.
//
// Stores written before dedupe read the timelines had a column family "dedupe"
// (u8 len(tenant) | tenant | event_id -> arrival time); opening such a store
// for writing drops it.
//
// Do not change a layout in place: a new layout needs a new column family and a
// migration.
#ifndef KAIKU_LIB_STORAGE_KEY_CODEC_H_
#define KAIKU_LIB_STORAGE_KEY_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace kaiku::storage {

// Most bytes of a tenant name, visitor id or event id inside a key.
inline constexpr size_t kMaxKeyStringBytes = 255;

// Fixed-width, order-preserving encoding of a signed microsecond count.
void AppendTimeMicros(int64_t micros, std::string* out);
// Decodes 8 bytes written by AppendTimeMicros. `in` must hold at least 8 bytes.
int64_t DecodeTimeMicros(absl::string_view in);

// The key of an event in the event log (16 bytes).
std::string EventLogKey(int64_t log_time_micros, uint64_t sequence);
// The same, appended to `out` (no allocation of its own: the ingest path).
void AppendEventLogKey(int64_t log_time_micros, uint64_t sequence,
                       std::string* out);
inline constexpr size_t kEventLogKeyBytes = 16;
// Returns false when `key` is not a well-formed event log key.
bool DecodeEventLogKey(absl::string_view key, int64_t* log_time_micros,
                       uint64_t* sequence);

// The decoded parts of a timeline key. Views point into the decoded key.
struct TimelineKeyParts {
  absl::string_view tenant;
  absl::string_view visitor_id;
  int64_t event_time_micros = 0;
  absl::string_view event_id;
};

// All keys of one visitor start with this prefix.
std::string TimelineVisitorPrefix(absl::string_view tenant,
                                  absl::string_view visitor_id);

// The full key of one event (its event_index key).
std::string TimelineKey(absl::string_view tenant, absl::string_view visitor_id,
                        int64_t event_time_micros, absl::string_view event_id);

// Returns false when `key` is not a well-formed timeline key.
bool DecodeTimelineKey(absl::string_view key, TimelineKeyParts* parts);

// The key of a visitor's state and lead entries (= TimelineVisitorPrefix).
std::string VisitorKey(absl::string_view tenant, absl::string_view visitor_id);
// Returns false when `key` is not a well-formed visitor key.
bool DecodeVisitorKey(absl::string_view key, absl::string_view* tenant,
                      absl::string_view* visitor_id);

std::string VisitorStateValue(int64_t last_event_micros,
                              absl::string_view state);
// Returns false when `value` is not a well-formed visitor state value.
bool DecodeVisitorStateValue(absl::string_view value,
                             int64_t* last_event_micros,
                             absl::string_view* state);

// Every visitor key and score-log key of a tenant starts with this prefix.
std::string TenantPrefix(absl::string_view tenant);
std::string ScoreLogKey(absl::string_view tenant, uint64_t sequence);
// Returns false when `key` is not a well-formed score-log key.
bool DecodeScoreLogKey(absl::string_view key, absl::string_view* tenant,
                       uint64_t* sequence);

std::string ConsumerKey(absl::string_view tenant, absl::string_view consumer);
// 8 bytes, big-endian (the sequence number of a score-log entry).
std::string EncodeSequence(uint64_t sequence);
// Returns false when `value` is not 8 bytes.
bool DecodeSequence(absl::string_view value, uint64_t* sequence);

std::string JournalRecordKey(uint32_t shard, uint64_t sequence);
// Returns false when `key` is not a well-formed journal record key.
bool DecodeJournalRecordKey(absl::string_view key, uint32_t* shard,
                            uint64_t* sequence);
std::string JournalModelKey(uint32_t fingerprint);

// The smallest key greater than every key that starts with `prefix` (for an
// iterator's upper bound). Empty when there is none (the prefix is all 0xff
// bytes).
std::string PrefixSuccessor(absl::string_view prefix);

}  // namespace kaiku::storage

#endif  // KAIKU_LIB_STORAGE_KEY_CODEC_H_
