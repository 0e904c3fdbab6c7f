#include "lib/ingest/journal.h"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "kaiku/config/v1/model.pb.h"
#include "kaiku/storage/v1/records.pb.h"
#include "lib/common/logging.h"
#include "lib/common/status_macros.h"
#include "lib/ingest/visitor_step.h"
#include "lib/scoring/model.h"
#include "lib/storage/key_codec.h"

namespace kaiku::ingest {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::storage::v1::JournalEntry;
using ::kaiku::storage::v1::JournalRecord;
using ::kaiku::v1::Event;

namespace {

struct EntryRef {
  uint32_t record;
  int entry;
};

// The journal's models, compiled once each.
class JournalModels {
 public:
  explicit JournalModels(storage::Store& store) : store_(store) {}

  absl::StatusOr<const scoring::Model*> Get(uint32_t fingerprint) {
    auto it = models_.find(fingerprint);
    if (it != models_.end()) return it->second.get();
    ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                     store_.GetJournalModel(fingerprint));
    kaiku::config::v1::ScoringModel proto;
    if (!bytes.has_value() || !proto.ParseFromString(*bytes)) {
      return absl::DataLossError(
          absl::StrCat("the journal names model fingerprint ", fingerprint,
                       " but does not hold that model"));
    }
    ASSIGN_OR_RETURN(std::shared_ptr<const scoring::Model> model,
                     scoring::Model::Compile(proto));
    return (models_[fingerprint] = std::move(model)).get();
  }

 private:
  storage::Store& store_;
  absl::flat_hash_map<uint32_t, std::shared_ptr<const scoring::Model>> models_;
};

// An event as a journal entry names it: (event time, JournalEventIdHash).
using EventName = std::pair<int64_t, uint64_t>;

EventName NameOf(const Event& e) {
  return {TimeUtil::TimestampToMicroseconds(e.occurred_at()),
          JournalEventIdHash(e.event_id())};
}

// One visitor's entries in the journal, in order, and the position of its
// last KIND_WRITTEN (-1: none).
struct VisitorEntries {
  std::vector<EntryRef> entries;
  int last_written = -1;
};

}  // namespace

absl::Status ReplayJournal(
    storage::Store& store,
    absl::FunctionRef<void(absl::string_view, absl::string_view,
                           const StoredVisitor&)>
        fn,
    ReplayStats* stats) {
  std::vector<JournalRecord> records;
  absl::flat_hash_map<std::string, VisitorEntries> visitors;
  bool malformed = false;
  RETURN_IF_ERROR(store.ForEachJournalRecord(
      [&](uint32_t shard, uint64_t sequence, absl::string_view bytes) {
        JournalRecord& record = records.emplace_back();
        if (!record.ParseFromArray(bytes.data(),
                                   static_cast<int>(bytes.size()))) {
          malformed = true;
          return;
        }
        if (shard == kRecoveryShard) stats->last_recovery_sequence = sequence;
        const auto r = static_cast<uint32_t>(records.size() - 1);
        for (int i = 0; i < record.entries_size(); ++i) {
          const JournalEntry& entry = record.entries(i);
          VisitorEntries& v =
              visitors[storage::VisitorKey(entry.tenant(), entry.visitor_id())];
          if (entry.kind() == JournalEntry::KIND_WRITTEN)
            v.last_written = static_cast<int>(v.entries.size());
          v.entries.push_back(EntryRef{r, i});
        }
        ++stats->records;
        stats->entries += record.entries_size();
      }));
  if (malformed) return absl::DataLossError("unreadable journal record");

  JournalModels models(store);
  for (const auto& [key, v] : visitors) {
    const size_t first = static_cast<size_t>(v.last_written + 1);
    if (first >= v.entries.size()) continue;
    const JournalEntry& head =
        records[v.entries[first].record].entries(v.entries[first].entry);
    const std::string& tenant = head.tenant();
    const std::string& visitor_id = head.visitor_id();
    ++stats->visitors;

    ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                     store.GetVisitorState(tenant, visitor_id));
    std::optional<StoredVisitor> state;
    bool unreadable = false;
    if (bytes.has_value()) {
      absl::StatusOr<StoredVisitor> decoded = DecodeStoredVisitor(*bytes);
      if (decoded.ok()) {
        state = *std::move(decoded);
      } else {
        unreadable = true;
      }
    }
    // The visitor's stored events, named as journal entries name them.
    ASSIGN_OR_RETURN(const std::vector<Event> timeline,
                     ReadWholeTimeline(store, tenant, visitor_id));
    absl::flat_hash_map<EventName, const Event*> by_name;
    for (const Event& e : timeline) by_name.emplace(NameOf(e), &e);
    auto names = [&](const JournalRecord& record, const JournalEntry& entry) {
      std::vector<EventName> out;
      for (int k = 0; k < entry.event_ages_micros_size() &&
                      k < entry.event_id_hashes_size();
           ++k) {
        out.push_back({record.now_micros() - entry.event_ages_micros(k),
                       entry.event_id_hashes(k)});
      }
      return out;
    };
    for (size_t i = first; i < v.entries.size(); ++i) {
      const JournalRecord& record = records[v.entries[i].record];
      const JournalEntry& entry = record.entries(v.entries[i].entry);
      ASSIGN_OR_RETURN(const scoring::Model* model,
                       models.Get(record.model_fingerprint()));
      const scoring::Scorer scorer(*model);
      // The timeline as the step saw it: without the events of this and the
      // visitor's later steps.
      auto history = [&]() -> absl::StatusOr<std::vector<Event>> {
        absl::flat_hash_set<EventName> later;
        for (size_t j = i; j < v.entries.size(); ++j) {
          const JournalRecord& r = records[v.entries[j].record];
          for (const EventName& name : names(r, r.entries(v.entries[j].entry)))
            later.insert(name);
        }
        std::vector<Event> before;
        for (const Event& e : timeline)
          if (!later.contains(NameOf(e))) before.push_back(e);
        return before;
      };
      std::optional<VisitorStep> step;
      if (entry.kind() == JournalEntry::KIND_EVENTS) {
        std::vector<const Event*> events;
        for (const EventName& name : names(record, entry)) {
          auto it = by_name.find(name);
          if (it != by_name.end()) {
            events.push_back(it->second);
          } else {
            ++stats->missing_events;
          }
        }
        ASSIGN_OR_RETURN(
            step, FoldStep(scorer, std::move(state),
                           unreadable || !store.EveryEventHasState(),
                           std::move(events), record.now_micros(), history));
      } else if (entry.kind() == JournalEntry::KIND_WOKEN &&
                 state.has_value()) {
        ASSIGN_OR_RETURN(step, WakeStep(scorer, *std::move(state),
                                        record.now_micros(), history));
      }
      if (step.has_value()) {
        state = std::move(step->visitor);
        unreadable = false;
      }
    }
    if (state.has_value()) fn(tenant, visitor_id, *state);
  }
  return absl::OkStatus();
}

absl::StatusOr<ReplayStats> RecoverFromJournal(storage::Store& store,
                                               int states_per_write) {
  ReplayStats stats;
  std::unique_ptr<storage::StoreBatch> batch = store.NewBatch();
  JournalRecord written;
  absl::Status status;
  auto commit = [&] {
    if (written.entries_size() == 0 || !status.ok()) return;
    batch->PutJournalRecord(kRecoveryShard, ++stats.last_recovery_sequence,
                            written.SerializeAsString());
    status = store.Commit(batch.get(), /*sync=*/false);
    batch = store.NewBatch();
    written.Clear();
  };
  RETURN_IF_ERROR(ReplayJournal(
      store,
      [&](absl::string_view tenant, absl::string_view visitor_id,
          const StoredVisitor& visitor) {
        if (!status.ok()) return;
        batch->PutVisitorState(tenant, visitor_id, visitor.state.last_event,
                               EncodeStoredVisitor(visitor));
        JournalEntry& entry = *written.add_entries();
        entry.set_kind(JournalEntry::KIND_WRITTEN);
        entry.set_tenant(std::string(tenant));
        entry.set_visitor_id(std::string(visitor_id));
        if (written.entries_size() >= states_per_write) commit();
      },
      &stats));
  commit();
  RETURN_IF_ERROR(status);
  // Synced: the states written above are synced with it (the write-ahead log
  // is sequential).
  if (stats.records > 0) RETURN_IF_ERROR(store.ClearJournal());
  return stats;
}

}  // namespace kaiku::ingest
