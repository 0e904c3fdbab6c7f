#include "lib/scorelog/hub.h"

#include <algorithm>
#include <utility>

#include "lib/scorelog/cursor.h"

namespace kaiku::scorelog {
ScoreLogHub::ScoreLogHub(storage::Store* store, size_t ring_entries)
    : store_(store), ring_entries_(std::max<size_t>(ring_entries, 1)) {
  thread_ = std::thread([this] { Run(); });
}

ScoreLogHub::~ScoreLogHub() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

std::shared_ptr<const Entry> ScoreLogHub::Decode(
    absl::string_view tenant, storage::ScoreLogEntry stored) {
  auto entry = std::make_shared<Entry>();
  entry->sequence = stored.sequence;
  entry->event = std::move(stored.event);
  entry->event.set_id(EventId(stored.sequence));
  entry->event.set_cursor(EncodeCursor(tenant, stored.sequence));
  entry->wire = entry->event.SerializeAsString();
  return entry;
}

std::shared_ptr<const Entry> ScoreLogHub::DecodeCommitted(
    absl::string_view tenant, Pending pending) {
  auto entry = std::make_shared<Entry>();
  entry->sequence = pending.sequence;
  if (!entry->event.ParseFromString(pending.event)) return nullptr;
  // The wire bytes are the committed bytes with the id and the cursor
  // appended: a message's fields may come in any order.
  kaiku::v1::ScoreEvent names;
  names.set_id(EventId(pending.sequence));
  names.set_cursor(EncodeCursor(tenant, pending.sequence));
  entry->wire = std::move(pending.event);
  names.AppendToString(&entry->wire);
  entry->event.set_id(std::move(*names.mutable_id()));
  entry->event.set_cursor(std::move(*names.mutable_cursor()));
  return entry;
}

ScoreLogHub::Tenant& ScoreLogHub::TenantLocked(absl::string_view tenant) {
  Tenant& t = tenants_[tenant];
  if (!t.known) {
    t.available = store_->LastScoreSequence(tenant);
    t.known = true;
  }
  return t;
}

void ScoreLogHub::OnCommitted(
    const std::vector<storage::CommittedScoreEvent>& entries) {
  absl::MutexLock lock(&mu_);
  for (const storage::CommittedScoreEvent& e : entries) {
    Tenant& t = tenants_[e.tenant];
    if (!t.known) {
      // Entries come in order and without gaps: everything before this one
      // is committed.
      t.available = e.sequence - 1;
      t.known = true;
    }
    if (t.pending.empty()) dirty_.emplace_back(e.tenant);
    t.pending.push_back(Pending{e.sequence, std::string(e.event)});
    t.committed = e.sequence;
  }
}

uint64_t ScoreLogHub::Available(absl::string_view tenant) {
  absl::MutexLock lock(&mu_);
  const Tenant& t = TenantLocked(tenant);
  return std::max(t.available, t.committed);
}

bool ScoreLogHub::ReadRecent(absl::string_view tenant, uint64_t after,
                             size_t max,
                             std::vector<std::shared_ptr<const Entry>>* out) {
  absl::MutexLock lock(&mu_);
  Tenant& t = TenantLocked(tenant);
  if (after >= t.available) return true;
  if (t.ring.empty() || t.ring.front()->sequence > after + 1) return false;
  auto it = std::lower_bound(t.ring.begin(), t.ring.end(), after + 1,
                             [](const std::shared_ptr<const Entry>& e,
                                uint64_t s) { return e->sequence < s; });
  // Nothing in memory after `after` up to `available` (Forget removed it):
  // the store says what is left.
  if (it == t.ring.end()) return false;
  for (; it != t.ring.end() && out->size() < max &&
         (*it)->sequence <= t.available;
       ++it) {
    out->push_back(*it);
  }
  return true;
}

void ScoreLogHub::Forget(absl::string_view tenant,
                         absl::string_view visitor_id) {
  absl::MutexLock lock(&mu_);
  Tenant& t = TenantLocked(tenant);
  ++t.erasures;
  // Readers find entries by sequence (ReadRecent): the gaps left are skipped
  // like the erased entries in the store.
  std::erase_if(t.ring, [&](const std::shared_ptr<const Entry>& e) {
    return e->event.visitor_id() == visitor_id;
  });
  // Entries not decoded yet are dropped (rare; the next Run advances
  // `available` past them, and readers find them in the store).
  t.pending.clear();
}

uint64_t ScoreLogHub::AddWaiter(absl::string_view tenant,
                                std::function<void()> wake) {
  absl::MutexLock lock(&mu_);
  const uint64_t id = next_waiter_++;
  tenants_[tenant].waiters.emplace(id, std::move(wake));
  waiter_tenant_.emplace(id, std::string(tenant));
  return id;
}

void ScoreLogHub::RemoveWaiter(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = waiter_tenant_.find(id);
  if (it == waiter_tenant_.end()) return;
  tenants_[it->second].waiters.erase(id);
  waiter_tenant_.erase(it);
}

void ScoreLogHub::Tick() {
  absl::MutexLock lock(&mu_);
  tick_ = true;
}

void ScoreLogHub::Close() {
  std::vector<std::string> tenants;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    for (const auto& [tenant, t] : tenants_) tenants.push_back(tenant);
  }
  Wake(tenants);
}

bool ScoreLogHub::closed() {
  absl::MutexLock lock(&mu_);
  return closed_;
}

void ScoreLogHub::Run() {
  while (true) {
    std::vector<std::string> dirty;
    bool tick = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ScoreLogHub* hub) ABSL_EXCLUSIVE_LOCKS_REQUIRED(hub->mu_) {
            return !hub->dirty_.empty() || hub->tick_ || hub->stopping_;
          },
          this));
      if (stopping_) return;
      dirty.swap(dirty_);
      tick = tick_;
      tick_ = false;
    }
    std::vector<std::string> grown;
    for (const std::string& tenant : dirty) {
      std::vector<Pending> pending;
      uint64_t committed, erasures;
      {
        absl::MutexLock lock(&mu_);
        Tenant& t = tenants_[tenant];
        pending.swap(t.pending);
        committed = t.committed;
        erasures = t.erasures;
      }
      std::vector<std::shared_ptr<const Entry>> decoded;
      decoded.reserve(pending.size());
      for (Pending& p : pending)
        decoded.push_back(DecodeCommitted(tenant, std::move(p)));
      absl::MutexLock lock(&mu_);
      Tenant& t = tenants_[tenant];
      // Subscribers read the store for entries decoded while an erasure ran.
      if (t.erasures != erasures) {
        t.ring.clear();
        decoded.clear();
      }
      for (auto& e : decoded) {
        // A gap (undecodable bytes, entries Forget dropped) empties the ring:
        // it only ever holds a run without gaps.
        if (e == nullptr || (!t.ring.empty() && e->sequence != t.ring_end)) {
          t.ring.clear();
          if (e == nullptr) continue;
        }
        t.ring_end = e->sequence + 1;
        t.ring.push_back(std::move(e));
      }
      while (t.ring.size() > ring_entries_) t.ring.pop_front();
      t.available = std::max(t.available, committed);
      grown.push_back(tenant);
    }
    if (tick) {
      absl::MutexLock lock(&mu_);
      grown.clear();
      for (const auto& [tenant, t] : tenants_) grown.push_back(tenant);
    }
    Wake(grown);
  }
}

void ScoreLogHub::Wake(const std::vector<std::string>& tenants) {
  std::vector<std::function<void()>> calls;
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& tenant : tenants) {
      auto it = tenants_.find(tenant);
      if (it == tenants_.end()) continue;
      for (const auto& [id, wake] : it->second.waiters) calls.push_back(wake);
    }
  }
  for (const auto& wake : calls) wake();
}

}  // namespace kaiku::scorelog
