#include "lib/ingest/visitor_scoring.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "google/protobuf/util/time_util.h"
#include "lib/common/logging.h"
#include "lib/common/status_macros.h"
#include "lib/ingest/journal.h"
#include "lib/scoring/fold.h"
#include "lib/storage/key_codec.h"

namespace kaiku::ingest {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::scoring::Scorer;
using ::kaiku::storage::v1::JournalEntry;
using ::kaiku::v1::Event;

namespace {
constexpr int64_t kRetryMicros = 1000000;
// The journal is trimmed at most this often: each trim is a range deletion.
constexpr int64_t kTrimIntervalMicros = 1000000;
}  // namespace

VisitorScoring::VisitorScoring(storage::Store* store,
                               const scoring::CurrentModel* model,
                               size_t cache_bytes, uint32_t shard,
                               absl::Duration write_delay)
    : store_(store),
      model_(model),
      shard_(shard),
      write_delay_micros_(
          std::max<int64_t>(0, absl::ToInt64Microseconds(write_delay))),
      cache_(cache_bytes) {}

void VisitorScoring::Begin(int64_t now, Pending* pending) const {
  pending->now = now;
  pending->model = model_->Get();
}

absl::StatusOr<std::optional<StoredVisitor>> VisitorScoring::Load(
    const std::string& key, absl::string_view tenant,
    absl::string_view visitor_id, const Pending& pending, bool* unreadable) {
  absl::string_view bytes;
  std::optional<std::string> stored;
  if (auto it = pending.visitors.find(key); it != pending.visitors.end()) {
    bytes = it->second.stored;
    ++counters_.states_cached;
  } else if (std::optional<absl::string_view> hit = cache_.Get(key)) {
    // Get only reorders the clean list, which CachedState does not read: no
    // lock needed by the worker.
    bytes = *hit;
    ++counters_.states_cached;
  } else {
    // Not cached, so not dirty: the store's state is the latest.
    ASSIGN_OR_RETURN(stored, store_->GetVisitorState(tenant, visitor_id));
    if (!stored.has_value()) {
      ++counters_.states_new;
      return std::nullopt;
    }
    ++counters_.states_read;
    bytes = *stored;
  }
  absl::StatusOr<StoredVisitor> decoded = DecodeStoredVisitor(bytes);
  if (!decoded.ok()) {
    // Rebuilt from the timeline, which is the source of truth.
    LOG(WARNING) << "visitor state of " << visitor_id << " in tenant " << tenant
                 << " is unreadable (" << decoded.status()
                 << "); recomputing it";
    if (unreadable != nullptr) *unreadable = true;
    return std::nullopt;
  }
  return *std::move(decoded);
}

absl::StatusOr<std::vector<bool>> VisitorScoring::FindNew(
    absl::string_view tenant, absl::string_view visitor_id,
    absl::Span<const Event* const> events, const Pending& pending,
    Loaded* loaded) {
  loaded->key = storage::VisitorKey(tenant, visitor_id);
  ASSIGN_OR_RETURN(loaded->visitor, Load(loaded->key, tenant, visitor_id,
                                         pending, &loaded->unreadable));
  // The time of the visitor's last stored event; nullopt when unknown (then
  // every event is looked up): in a store where events were stored without
  // scoring, the timeline may hold events later than the state.
  std::optional<int64_t> last;
  if (!loaded->unreadable && store_->EveryEventHasState()) {
    last = loaded->visitor.has_value() ? loaded->visitor->state.last_event
                                       : std::numeric_limits<int64_t>::min();
  }
  std::vector<bool> fresh;
  fresh.reserve(events.size());
  for (const Event* e : events) {
    if (last.has_value() &&
        TimeUtil::TimestampToMicroseconds(e->occurred_at()) > *last) {
      fresh.push_back(true);
      continue;
    }
    ASSIGN_OR_RETURN(const bool stored, store_->ContainsEvent(tenant, *e));
    fresh.push_back(!stored);
  }
  return fresh;
}

JournalEntry& VisitorScoring::AddStep(JournalEntry::Kind kind,
                                      const std::string& key,
                                      Pending* pending) {
  Pending::Step& step = pending->steps.emplace_back();
  step.key = key;
  step.entry.set_kind(kind);
  return step.entry;
}

absl::Status VisitorScoring::ScoreEvents(absl::string_view tenant,
                                         absl::string_view visitor_id,
                                         Loaded loaded,
                                         std::vector<const Event*> events,
                                         storage::StoreBatch* batch,
                                         Pending* pending) {
  const Scorer scorer(*pending->model);
  JournalEntry& entry = AddStep(JournalEntry::KIND_EVENTS, loaded.key, pending);
  for (const Event* e : events) {
    entry.add_event_ages_micros(
        pending->now - TimeUtil::TimestampToMicroseconds(e->occurred_at()));
    entry.add_event_id_hashes(JournalEventIdHash(e->event_id()));
  }
  ASSIGN_OR_RETURN(
      VisitorStep step,
      FoldStep(scorer, std::move(loaded.visitor),
               loaded.unreadable || !store_->EveryEventHasState(),
               std::move(events), pending->now,
               [&] { return ReadWholeTimeline(*store_, tenant, visitor_id); }));
  Apply(tenant, visitor_id, loaded.key, step, batch, pending);
  return absl::OkStatus();
}

absl::Status VisitorScoring::RunDueTimers(size_t max,
                                          storage::StoreBatch* batch,
                                          Pending* pending) {
  std::vector<std::string> keys = timers_.PopDue(pending->now, max);
  if (keys.empty()) return absl::OkStatus();
  const Scorer scorer(*pending->model);
  for (std::string& key : keys) {
    pending->woken.push_back(key);
    absl::string_view tenant, visitor_id;
    if (!storage::DecodeVisitorKey(key, &tenant, &visitor_id)) continue;
    ASSIGN_OR_RETURN(std::optional<StoredVisitor> loaded,
                     Load(key, tenant, visitor_id, *pending));
    if (!loaded.has_value()) continue;
    AddStep(JournalEntry::KIND_WOKEN, key, pending);
    ASSIGN_OR_RETURN(VisitorStep step,
                     WakeStep(scorer, *std::move(loaded), pending->now, [&] {
                       return ReadWholeTimeline(*store_, tenant, visitor_id);
                     }));
    ++pending->timer_wakeups;
    Apply(tenant, visitor_id, key, step, batch, pending);
  }
  return absl::OkStatus();
}

void VisitorScoring::Apply(absl::string_view tenant,
                           absl::string_view visitor_id, const std::string& key,
                           VisitorStep& step, storage::StoreBatch* batch,
                           Pending* pending) {
  if (step.recomputed) ++pending->recomputations;
  for (kaiku::v1::ScoreEvent& e : step.out) {
    e.set_visitor_id(std::string(visitor_id));
    batch->AppendScoreEvent(tenant, e);
    pending->tally.Add(e);
  }
  if (step.lead_changed) batch->SetLead(tenant, visitor_id, step.visitor.lead);
  Pending::Visitor& entry = pending->visitors[key];
  entry.stored = EncodeStoredVisitor(step.visitor);
  entry.last_event = step.visitor.state.last_event;
  entry.wake = step.wake;
}

void VisitorScoring::WriteWithGroup(const std::string& key, Pending* pending) {
  pending->write_also.push_back(key);
}

void VisitorScoring::EndGroup(WriteBack which, storage::StoreBatch* batch,
                              Pending* pending) {
  const int64_t now = pending->now;
  auto write = [&](absl::string_view key, absl::string_view stored,
                   int64_t last_event) {
    absl::string_view tenant, visitor_id;
    if (!storage::DecodeVisitorKey(key, &tenant, &visitor_id)) return;
    batch->PutVisitorState(tenant, visitor_id, last_event, stored);
    ++counters_.states_written;
  };
  // Dirty states first: the longest dirty, while due. A visitor the group
  // changed is written as the group left it.
  absl::flat_hash_set<absl::string_view> also(pending->write_also.begin(),
                                              pending->write_also.end());
  size_t over = cache_.charged_bytes() > cache_.capacity()
                    ? cache_.charged_bytes() - cache_.capacity()
                    : 0;
  // The sequence number the first dirty state left unwritten became dirty at
  // (the list is in that order): where the journal is still needed from.
  std::optional<uint64_t> oldest_left;
  cache_.ForEachDirty([&](const StateCache::Dirty& d) {
    const bool due = which == WriteBack::kAll ||
                     d.since_micros <= now - write_delay_micros_ || over > 0;
    if (!due && !also.contains(d.key)) {
      if (!oldest_left.has_value()) oldest_left = d.since_sequence;
      return !also.empty();
    }
    over -= std::min(over, StateCache::Charge(d.key.size(), d.value.size()));
    std::string key(d.key);
    if (auto it = pending->visitors.find(key); it != pending->visitors.end()) {
      it->second.written = true;
      write(key, it->second.stored, it->second.last_event);
    } else {
      write(key, d.value, d.last_event);
    }
    AddStep(JournalEntry::KIND_WRITTEN, key, pending);
    pending->cleaned.push_back(std::move(key));
    return true;
  });
  // Visitors not dirty before the group: written at once when there is no
  // delay (or at shutdown), and then they need no journal entries.
  if (which == WriteBack::kAll || write_delay_micros_ == 0) {
    for (auto& [key, visitor] : pending->visitors) {
      if (visitor.written) continue;
      visitor.written = true;
      write(key, visitor.stored, visitor.last_event);
    }
  }
  // The record keeps what replay needs: the steps of visitors left dirty, and
  // which dirty visitors were written (their earlier entries are done).
  kaiku::storage::v1::JournalRecord record;
  record.set_now_micros(now);
  record.set_model_fingerprint(pending->model->fingerprint());
  for (Pending::Step& step : pending->steps) {
    if (step.entry.kind() != JournalEntry::KIND_WRITTEN) {
      auto it = pending->visitors.find(step.key);
      if (it != pending->visitors.end() && it->second.written) continue;
    }
    absl::string_view tenant, visitor_id;
    if (!storage::DecodeVisitorKey(step.key, &tenant, &visitor_id)) continue;
    step.entry.set_tenant(std::string(tenant));
    step.entry.set_visitor_id(std::string(visitor_id));
    *record.add_entries() = std::move(step.entry);
  }
  if (record.entries_size() > 0) {
    pending->sequence = journal_sequence_ + 1;
    batch->PutJournalRecord(shard_, pending->sequence,
                            record.SerializeAsString());
    const uint32_t fingerprint = pending->model->fingerprint();
    if (!journaled_models_.contains(fingerprint)) {
      batch->PutJournalModel(fingerprint,
                             pending->model->proto().SerializeAsString());
      pending->model_journaled = true;
    }
  }
  // Records below the oldest state still dirty after the group are done with.
  uint64_t keep =
      (pending->sequence != 0 ? pending->sequence : journal_sequence_) + 1;
  for (const auto& [key, visitor] : pending->visitors) {
    if (!visitor.written) {
      keep = pending->sequence;
      break;
    }
  }
  if (oldest_left.has_value()) keep = std::min(keep, *oldest_left);
  if (keep > journal_trimmed_to_ &&
      (now - journal_trimmed_at_ >= kTrimIntervalMicros ||
       which == WriteBack::kAll)) {
    batch->TrimJournal(shard_, keep);
    pending->trimmed_to = keep;
  }
}

absl::Status VisitorScoring::Restore(absl::string_view tenant,
                                     absl::string_view visitor_id,
                                     int64_t now) {
  const std::string key = storage::VisitorKey(tenant, visitor_id);
  ASSIGN_OR_RETURN(std::optional<StoredVisitor> loaded,
                   Load(key, tenant, visitor_id, Pending()));
  if (!loaded.has_value()) return absl::OkStatus();
  const std::shared_ptr<const scoring::Model> model = model_->Get();
  const Scorer scorer(*model);
  std::optional<int64_t> wake = scorer.Compatible(loaded->state)
                                    ? scorer.NextWakeUp(loaded->state, now)
                                    : std::optional<int64_t>(now);
  // A lead with nothing left to wake for is woken once, to leave the index.
  timers_.Schedule(key, wake.has_value() ? wake : std::optional<int64_t>(now));
  return absl::OkStatus();
}

void ScoreEventTally::Add(const kaiku::v1::ScoreEvent& event) {
  ++total;
  ++by_kind[event.kind()];
  if (event.kind() == kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED)
    ++transitions[event.previous_level()][event.level()];
  if (event.kind() == kaiku::v1::SCORE_EVENT_KIND_TRIGGER_FIRED)
    ++triggers[event.trigger()];
}

void VisitorScoring::Forget(absl::string_view tenant,
                            absl::string_view visitor_id) {
  const std::string key = storage::VisitorKey(tenant, visitor_id);
  {
    absl::MutexLock lock(&cache_mu_);
    cache_.Erase(key);
  }
  timers_.Schedule(key, std::nullopt);
}

void VisitorScoring::Committed(Pending& pending) {
  {
    absl::MutexLock lock(&cache_mu_);
    for (const std::string& key : pending.cleaned) cache_.MarkClean(key);
    for (auto& [key, visitor] : pending.visitors) {
      if (visitor.written) {
        cache_.Put(key, visitor.stored);
      } else {
        cache_.PutDirty(key, visitor.stored, visitor.last_event,
                        pending.sequence, pending.now);
      }
    }
  }
  for (auto& [key, visitor] : pending.visitors)
    timers_.Schedule(key, visitor.wake);
  if (pending.sequence != 0) journal_sequence_ = pending.sequence;
  if (pending.model_journaled)
    journaled_models_.insert(pending.model->fingerprint());
  if (pending.trimmed_to != 0) {
    journal_trimmed_to_ = pending.trimmed_to;
    journal_trimmed_at_ = pending.now;
  }
  counters_.score_events += pending.tally.total;
  counters_.recomputations += pending.recomputations;
  counters_.timer_wakeups += pending.timer_wakeups;
}

void VisitorScoring::Failed(Pending& pending) {
  // Nothing of the group is stored; the dirty states before it stay.
  for (const std::string& key : pending.woken)
    timers_.Schedule(key, pending.now + kRetryMicros);
}

std::optional<std::string> VisitorScoring::CachedState(
    const std::string& key) const {
  absl::ReaderMutexLock lock(&cache_mu_);
  std::optional<absl::string_view> hit = cache_.Peek(key);
  if (!hit.has_value()) return std::nullopt;
  return std::string(*hit);
}

}  // namespace kaiku::ingest
