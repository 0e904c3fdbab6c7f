// The ingest journal: how visitor states are written behind, and recovered.
//
// An ingest worker keeps the states it changes in memory (dirty, in its
// StateCache) and writes each one some time later (scoring.state_write_delay)
// instead of with every write group. What makes this safe is the journal: every
// write group that leaves a state dirty commits, atomically with its events and
// score events, one record (kaiku.storage.v1.JournalRecord in the store's
// `journal` column family, key (shard, sequence)) that says what it did to
// whom — the events it folded into each visitor (by time and a hash of the
// event id), the
// visitors it woke, at which `now`, with which model — and, once it writes a
// dirty visitor's state, that the visitor's earlier entries are done
// (KIND_WRITTEN). A worker trims its records below the oldest state still
// dirty.
//
// After a crash, the stored state of a visitor may lag its timeline; its
// journal entries after its last KIND_WRITTEN say exactly how to catch up.
// ReplayJournal takes those steps again (lib/ingest/visitor_step.h: the same
// code, the same inputs, the same `now`s and model) and so arrives at the
// state the worker had in memory; the score events the steps publish are
// already in the score log, and are dropped. This is Kafka Streams' model: a
// changelog of state, committed with the input position it covers.
//
// The journal's records name visitors: they are personal data, kept until
// trimmed (at most about the write delay after the visitor's last change) and
// gone from the files after the next compaction of the journal, which
// PurgeErased forces.
#ifndef KAIKU_LIB_INGEST_JOURNAL_H_
#define KAIKU_LIB_INGEST_JOURNAL_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/ingest/stored_visitor.h"
#include "lib/storage/store.h"

namespace kaiku::ingest {

// A stable 64-bit hash (FNV-1a) of an event id: with the event time, it names
// one of a visitor's stored events in a journal entry.
inline uint64_t JournalEventIdHash(absl::string_view event_id) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : event_id) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// The journal shard that recovery writes its KIND_WRITTEN records to: above
// every worker's, so that they count as later than all of them.
inline constexpr uint32_t kRecoveryShard = 255;

struct ReplayStats {
  int64_t records = 0;
  int64_t entries = 0;
  // Visitors whose stored state the journal was ahead of.
  int64_t visitors = 0;
  // Event references whose events are no longer stored (expired).
  int64_t missing_events = 0;
  // The highest sequence number of kRecoveryShard's records; 0: none.
  uint64_t last_recovery_sequence = 0;
};

// Replays the journal of `store` against its stored states and calls `fn`
// with every visitor whose stored state it is ahead of, and the state the
// visitor had in memory. Reads only. Errors: reading the store failed, or a
// record names a model the journal does not hold (DATA_LOSS).
absl::Status ReplayJournal(storage::Store& store,
                           absl::FunctionRef<void(absl::string_view tenant,
                                                  absl::string_view visitor_id,
                                                  const StoredVisitor& visitor)>
                               fn,
                           ReplayStats* stats);

// Brings every stored state up to date with the journal (ReplayJournal),
// writes them `states_per_write` at a time, each write with a journal record
// that marks its states written (so a crash during recovery leaves a journal
// that recovers the rest), and clears the journal. For a store about to be
// written to, before any ingest worker starts.
absl::StatusOr<ReplayStats> RecoverFromJournal(storage::Store& store,
                                               int states_per_write = 10000);

}  // namespace kaiku::ingest

#endif  // KAIKU_LIB_INGEST_JOURNAL_H_
