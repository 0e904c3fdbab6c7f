#include "lib/ingest/pipeline.h"

#include <algorithm>
#include <deque>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "lib/common/logging.h"
#include "lib/ingest/journal.h"
#include "lib/storage/key_codec.h"

namespace kaiku::ingest {

// One Submit call, shared by the work items of every shard it touches.
struct IngestPipeline::Request {
  std::string tenant;
  std::vector<const kaiku::v1::Event*> events;
  std::vector<StoreOutcome>
      outcomes;  // each index written by exactly one worker
  std::atomic<int> parts_left{0};
  absl::Mutex mu;
  absl::Status status ABSL_GUARDED_BY(mu);
  Done done;
};

// One SubmitErase call.
struct IngestPipeline::Erase {
  std::string tenant;
  std::string visitor_id;
  EraseDone done;
};

// The events of one request that belong to one shard, or one erasure.
struct IngestPipeline::WorkItem {
  std::shared_ptr<Request> request;
  std::vector<uint32_t> indices;
  std::unique_ptr<Erase> erase;
};

struct IngestPipeline::Shard {
  absl::Mutex mu;
  std::deque<WorkItem> queue ABSL_GUARDED_BY(mu);
  bool stopping ABSL_GUARDED_BY(mu) = false;
  bool poked ABSL_GUARDED_BY(mu) = false;
  std::thread thread;
  // Used by the worker thread only (and before it starts).
  std::unique_ptr<VisitorScoring> scoring;
  // Copies of scoring->counters(), for other threads.
  std::atomic<int64_t> score_events{0};
  std::atomic<int64_t> recomputations{0};
  std::atomic<int64_t> timer_wakeups{0};
  std::atomic<int64_t> states_cached{0};
  std::atomic<int64_t> states_read{0};
  std::atomic<int64_t> states_new{0};
  std::atomic<int64_t> states_written{0};
  std::atomic<int64_t> cached_visitors{0};
  std::atomic<int64_t> dirty_visitors{0};
  std::atomic<int64_t> cached_bytes{0};
};

IngestPipeline::IngestPipeline(storage::Store* store,
                               const PipelineOptions& options)
    : store_(store), options_([&] {
        PipelineOptions o = options;
        o.shards = std::clamp(o.shards, 1, 64);
        o.max_queued_events = std::max(o.max_queued_events, 1);
        o.max_batch_events = std::max(o.max_batch_events, 1);
        if (o.clock == nullptr) o.clock = Clock::Real();
        return o;
      }()) {
  // A crash's journal is replayed before anything else (kaikud does it itself
  // first, to refuse to start when it fails; this covers every other user).
  if (absl::StatusOr<ReplayStats> recovered = RecoverFromJournal(*store_);
      !recovered.ok()) {
    LOG(ERROR) << "recovering visitor states from the journal: "
               << recovered.status();
  } else if (recovered->records > 0) {
    LOG(WARNING) << "recovered " << recovered->visitors
                 << " visitor states from " << recovered->records
                 << " journal records";
  }
  for (int i = 0; i < options_.shards; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    if (options_.model != nullptr) {
      shards_.back()->scoring = std::make_unique<VisitorScoring>(
          store_, options_.model,
          static_cast<size_t>(options_.state_cache_bytes / options_.shards),
          static_cast<uint32_t>(i), options_.state_write_delay);
    }
  }
  if (options_.model != nullptr) {
    RestoreTimers();
  } else if (absl::Status s = store_->NoteEventsWithoutState(); !s.ok()) {
    // Scoring would later skip these visitors' timelines when folding them
    // in; the store is failing anyway (its writes will fail too).
    LOG(ERROR) << "cannot note that events are stored without scoring: " << s;
  }
  for (auto& shard : shards_) {
    Shard* s = shard.get();
    s->thread = std::thread([this, s] { RunWorker(s); });
  }
}

IngestPipeline::~IngestPipeline() { Stop(); }

// Visitors in the leads index may be waiting to cool down: schedule them.
void IngestPipeline::RestoreTimers() {
  const int64_t now = absl::ToUnixMicros(options_.clock->Now());
  int64_t restored = 0;
  absl::Status status = store_->ForEachLead(
      "", [&](absl::string_view tenant, absl::string_view visitor_id) {
        Shard& shard =
            *shards_[absl::HashOf(tenant, visitor_id) % shards_.size()];
        absl::Status s = shard.scoring->Restore(tenant, visitor_id, now);
        if (!s.ok()) {
          LOG(WARNING) << "cannot restore the wake-up of visitor " << visitor_id
                       << ": " << s;
        }
        ++restored;
      });
  if (!status.ok()) LOG(ERROR) << "reading the leads index: " << status;
  if (restored > 0)
    LOG(INFO) << "restored wake-ups of " << restored << " leads";
}

void IngestPipeline::WakeUpForTest() {
  for (auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    shard->poked = true;
  }
}

ScoringCounters IngestPipeline::scoring_counters() const {
  ScoringCounters total;
  for (const auto& shard : shards_) {
    total.score_events += shard->score_events.load(std::memory_order_relaxed);
    total.recomputations +=
        shard->recomputations.load(std::memory_order_relaxed);
    total.timer_wakeups += shard->timer_wakeups.load(std::memory_order_relaxed);
    total.states_cached += shard->states_cached.load(std::memory_order_relaxed);
    total.states_read += shard->states_read.load(std::memory_order_relaxed);
    total.states_new += shard->states_new.load(std::memory_order_relaxed);
    total.states_written +=
        shard->states_written.load(std::memory_order_relaxed);
    total.cached_visitors +=
        shard->cached_visitors.load(std::memory_order_relaxed);
    total.dirty_visitors +=
        shard->dirty_visitors.load(std::memory_order_relaxed);
    total.cached_bytes += shard->cached_bytes.load(std::memory_order_relaxed);
  }
  return total;
}

std::optional<std::string> IngestPipeline::CachedState(
    absl::string_view tenant, absl::string_view visitor_id) const {
  const Shard& shard =
      *shards_[absl::HashOf(tenant, visitor_id) % shards_.size()];
  if (shard.scoring == nullptr) return std::nullopt;
  return shard.scoring->CachedState(storage::VisitorKey(tenant, visitor_id));
}

absl::Status IngestPipeline::Submit(absl::string_view tenant,
                                    std::vector<const kaiku::v1::Event*> events,
                                    Done done) {
  auto request = std::make_shared<Request>();
  request->tenant = std::string(tenant);
  request->events = std::move(events);
  request->outcomes.assign(request->events.size(), StoreOutcome::kStored);
  request->done = std::move(done);
  const size_t n = request->events.size();

  // Repeats of an event_id within the request are duplicates of its first
  // occurrence, even when they name different visitors (and so would land on
  // different shards).
  std::vector<std::vector<uint32_t>> per_shard(shards_.size());
  absl::flat_hash_set<absl::string_view> seen;
  seen.reserve(n);
  int64_t to_write = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const kaiku::v1::Event& e = *request->events[i];
    if (!seen.insert(e.event_id()).second) {
      request->outcomes[i] = StoreOutcome::kDuplicate;
      continue;
    }
    size_t shard = absl::HashOf(tenant, absl::string_view(e.visitor_id())) %
                   shards_.size();
    per_shard[shard].push_back(i);
    ++to_write;
  }

  {
    absl::ReaderMutexLock stop_lock(&stop_mu_);
    if (stopped_) return absl::UnavailableError("the server is shutting down");
    if (to_write > 0) {
      if (queued_events_.fetch_add(to_write, std::memory_order_relaxed) +
              to_write >
          options_.max_queued_events) {
        queued_events_.fetch_sub(to_write, std::memory_order_relaxed);
        return absl::ResourceExhaustedError(
            absl::StrCat("ingest queue full (", options_.max_queued_events,
                         " events queued); retry with backoff"));
      }
      int parts = 0;
      for (const auto& indices : per_shard) parts += indices.empty() ? 0 : 1;
      request->parts_left.store(parts, std::memory_order_relaxed);
      for (size_t s = 0; s < shards_.size(); ++s) {
        if (per_shard[s].empty()) continue;
        Shard* shard = shards_[s].get();
        absl::MutexLock lock(&shard->mu);
        shard->queue.push_back(WorkItem{request, std::move(per_shard[s])});
      }
      return absl::OkStatus();
    }
  }
  // Nothing to write (an empty request, or only repeats within it): done at
  // once.
  std::move(request->done)(absl::OkStatus(), std::move(request->outcomes));
  return absl::OkStatus();
}

absl::Status IngestPipeline::SubmitErase(absl::string_view tenant,
                                         absl::string_view visitor_id,
                                         EraseDone done) {
  auto erase = std::make_unique<Erase>();
  erase->tenant = std::string(tenant);
  erase->visitor_id = std::string(visitor_id);
  erase->done = std::move(done);
  absl::ReaderMutexLock stop_lock(&stop_mu_);
  if (stopped_) return absl::UnavailableError("the server is shutting down");
  Shard* shard =
      shards_[absl::HashOf(tenant, visitor_id) % shards_.size()].get();
  absl::MutexLock lock(&shard->mu);
  WorkItem item;
  item.erase = std::move(erase);
  shard->queue.push_back(std::move(item));
  return absl::OkStatus();
}

void IngestPipeline::Stop() {
  {
    absl::MutexLock lock(&stop_mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  for (auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    shard->stopping = true;
  }
  for (auto& shard : shards_) {
    if (shard->thread.joinable()) shard->thread.join();
  }
}

void IngestPipeline::RunWorker(Shard* shard) {
  std::vector<WorkItem> items;
  while (true) {
    items.clear();
    {
      absl::MutexLock lock(&shard->mu);
      const auto ready = absl::Condition(
          +[](Shard* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) {
            return !s->queue.empty() || s->stopping || s->poked;
          },
          shard);
      const std::optional<int64_t> due =
          shard->scoring != nullptr ? shard->scoring->NextDue() : std::nullopt;
      if (due.has_value()) {
        shard->mu.AwaitWithTimeout(
            ready, absl::FromUnixMicros(*due) - options_.clock->Now());
      } else {
        shard->mu.Await(ready);
      }
      shard->poked = false;
      if (shard->queue.empty() && shard->stopping) {
        // Every state written: the journal is left empty.
        if (shard->scoring != nullptr) {
          absl::Status s = WriteGroup(shard, items, WriteBack::kAll);
          if (!s.ok())
            LOG(ERROR) << "writing visitor states at shutdown: " << s;
        }
        return;
      }
      // A group is either events or one erasure: an erasure reads what the
      // events before it wrote.
      size_t events = 0;
      while (!shard->queue.empty()) {
        const WorkItem& next = shard->queue.front();
        if (!items.empty() &&
            (next.erase != nullptr || items.front().erase != nullptr ||
             events + next.indices.size() >
                 static_cast<size_t>(options_.max_batch_events)))
          break;
        events += next.indices.size();
        items.push_back(std::move(shard->queue.front()));
        shard->queue.pop_front();
      }
    }
    if (!items.empty() && items.front().erase != nullptr) {
      RunErase(shard, *items.front().erase);
    } else {
      // (A failure is reported to the items and to on_storage_error.)
      WriteGroup(shard, items).IgnoreError();
    }
  }
}

absl::Status IngestPipeline::WriteGroup(Shard* shard,
                                        std::vector<WorkItem>& items,
                                        WriteBack which,
                                        const std::string* also) {
  const int64_t now_micros = absl::ToUnixMicros(options_.clock->Now());
  std::unique_ptr<storage::StoreBatch> batch = store_->NewBatch();
  VisitorScoring::Pending pending;
  if (shard->scoring != nullptr) shard->scoring->Begin(now_micros, &pending);
  // The group's events, in arrival order, but for repeats of an event_id
  // within the group (which are duplicates of the first).
  struct Candidate {
    Request* request;
    uint32_t index;
    uint32_t visitor;  // into `visitors`
  };
  std::vector<Candidate> candidates;
  // (tenant, event_id) pairs in this group; views into the requests, alive
  // here.
  absl::flat_hash_set<std::pair<absl::string_view, absl::string_view>> in_batch;
  // (tenant, visitor) in order of first appearance, and their candidates.
  absl::flat_hash_map<std::pair<absl::string_view, absl::string_view>, uint32_t>
      visitor_index;
  std::vector<std::pair<absl::string_view, absl::string_view>> visitors;
  std::vector<std::vector<const kaiku::v1::Event*>> per_visitor;
  int64_t events = 0;
  for (WorkItem& item : items) {
    Request& request = *item.request;
    events += static_cast<int64_t>(item.indices.size());
    for (uint32_t i : item.indices) {
      const kaiku::v1::Event& e = *request.events[i];
      if (!in_batch.emplace(request.tenant, e.event_id()).second) {
        request.outcomes[i] = StoreOutcome::kDuplicate;
        continue;
      }
      auto [it, added] = visitor_index.emplace(
          std::make_pair(absl::string_view(request.tenant),
                         absl::string_view(e.visitor_id())),
          static_cast<uint32_t>(visitors.size()));
      if (added) {
        visitors.push_back(it->first);
        per_visitor.emplace_back();
      }
      per_visitor[it->second].push_back(&e);
      candidates.push_back(Candidate{&request, i, it->second});
    }
  }

  // Which are new, per visitor: an event later than the visitor's last stored
  // one is (its state knows that time); an earlier one — late, or a retry —
  // is looked up in the visitor's timeline.
  absl::Status status;
  std::vector<std::vector<bool>> fresh(visitors.size());
  std::vector<VisitorScoring::Loaded> loaded(
      shard->scoring != nullptr ? visitors.size() : 0);
  for (size_t v = 0; v < visitors.size() && status.ok(); ++v) {
    const auto [tenant, visitor_id] = visitors[v];
    if (shard->scoring != nullptr) {
      absl::StatusOr<std::vector<bool>> found = shard->scoring->FindNew(
          tenant, visitor_id, per_visitor[v], pending, &loaded[v]);
      if (found.ok()) {
        fresh[v] = *std::move(found);
      } else {
        status = found.status();
      }
      continue;
    }
    for (const kaiku::v1::Event* e : per_visitor[v]) {
      absl::StatusOr<bool> stored = store_->ContainsEvent(tenant, *e);
      if (!stored.ok()) {
        status = stored.status();
        break;
      }
      fresh[v].push_back(!*stored);
    }
  }

  // The new events go into the batch in arrival order (page values are
  // learned in the order the tenant's events are stored), each visitor's into
  // its list for scoring.
  // Page views whose stored page_value differs from the request's: the
  // stamped copies, alive until the group is written.
  std::deque<kaiku::v1::Event> stamped;
  std::vector<size_t> next_of_visitor(visitors.size());
  for (std::vector<const kaiku::v1::Event*>& list : per_visitor) list.clear();
  for (const Candidate& c : candidates) {
    if (!status.ok()) break;
    Request& request = *c.request;
    if (!fresh[c.visitor][next_of_visitor[c.visitor]++]) {
      request.outcomes[c.index] = StoreOutcome::kDuplicate;
      continue;
    }
    const kaiku::v1::Event& e = *request.events[c.index];
    const kaiku::v1::Event* stored = &e;
    if (options_.page_values != nullptr) {
      const double value = options_.page_values->Learn(request.tenant, e);
      if (e.has_page_view() && value != e.page_view().page_value()) {
        stamped.push_back(e);
        stamped.back().mutable_page_view()->set_page_value(value);
        stored = &stamped.back();
      }
    }
    batch->PutEvent(request.tenant, *stored, now_micros);
    per_visitor[c.visitor].push_back(stored);
  }
  if (shard->scoring != nullptr) {
    for (size_t v = 0; v < visitors.size() && status.ok(); ++v) {
      if (per_visitor[v].empty()) continue;  // only duplicates
      status = shard->scoring->ScoreEvents(
          visitors[v].first, visitors[v].second, std::move(loaded[v]),
          std::move(per_visitor[v]), batch.get(), &pending);
    }
    if (status.ok()) {
      status = shard->scoring->RunDueTimers(
          static_cast<size_t>(options_.max_wakeups_per_group), batch.get(),
          &pending);
    }
    if (status.ok()) {
      if (also != nullptr) shard->scoring->WriteWithGroup(*also, &pending);
      shard->scoring->EndGroup(which, batch.get(), &pending);
    }
  }
  if (status.ok() && !batch->empty())
    status = store_->Commit(batch.get(), options_.sync);
  if (shard->scoring != nullptr) {
    if (status.ok()) {
      shard->scoring->Committed(pending);
      const ScoringCounters& c = shard->scoring->counters();
      shard->score_events.store(c.score_events, std::memory_order_relaxed);
      shard->recomputations.store(c.recomputations, std::memory_order_relaxed);
      shard->timer_wakeups.store(c.timer_wakeups, std::memory_order_relaxed);
      shard->states_cached.store(c.states_cached, std::memory_order_relaxed);
      shard->states_read.store(c.states_read, std::memory_order_relaxed);
      shard->states_new.store(c.states_new, std::memory_order_relaxed);
      shard->states_written.store(c.states_written, std::memory_order_relaxed);
      const VisitorScoring& scoring = *shard->scoring;
      shard->cached_visitors.store(
          static_cast<int64_t>(scoring.cached_visitors()),
          std::memory_order_relaxed);
      shard->dirty_visitors.store(
          static_cast<int64_t>(scoring.dirty_visitors()),
          std::memory_order_relaxed);
      shard->cached_bytes.store(static_cast<int64_t>(scoring.cached_bytes()),
                                std::memory_order_relaxed);
      if (pending.tally.total > 0 && options_.on_score_events)
        options_.on_score_events(pending.tally);
    } else {
      shard->scoring->Failed(pending);
    }
  }
  if (!status.ok() && options_.on_storage_error)
    options_.on_storage_error(status);
  queued_events_.fetch_sub(events, std::memory_order_relaxed);
  for (WorkItem& item : items) FinishPart(item.request, status);
  return status;
}

void IngestPipeline::RunErase(Shard* shard, Erase& erase) {
  // The visitor's state is written first (and its journal entries marked
  // done), so that no replay brings back what the erasure removes.
  if (shard->scoring != nullptr) {
    std::vector<WorkItem> none;
    const std::string key = storage::VisitorKey(erase.tenant, erase.visitor_id);
    // (WriteGroup reported a failure to on_storage_error.)
    if (absl::Status written = WriteGroup(shard, none, WriteBack::kDue, &key);
        !written.ok()) {
      std::move(erase.done)(std::move(written));
      return;
    }
  }
  absl::StatusOr<int64_t> erased =
      store_->EraseVisitor(erase.tenant, erase.visitor_id);
  if (erased.ok() && shard->scoring != nullptr)
    shard->scoring->Forget(erase.tenant, erase.visitor_id);
  if (!erased.ok() && options_.on_storage_error)
    options_.on_storage_error(erased.status());
  std::move(erase.done)(std::move(erased));
}

void IngestPipeline::FinishPart(const std::shared_ptr<Request>& request,
                                const absl::Status& status) {
  if (!status.ok()) {
    absl::MutexLock lock(&request->mu);
    if (request->status.ok()) request->status = status;
  }
  // acq_rel: the last part sees every other worker's writes to `outcomes`.
  if (request->parts_left.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  absl::Status final_status;
  {
    absl::MutexLock lock(&request->mu);
    final_status = request->status;
  }
  std::move(request->done)(std::move(final_status),
                           std::move(request->outcomes));
}

}  // namespace kaiku::ingest
