#include "lib/scorelog/hub.h"

#include <algorithm>
#include <utility>

#include "lib/common/logging.h"
#include "lib/scorelog/cursor.h"

namespace kaiku::scorelog {
namespace {
constexpr int kReadChunk = 1000;
}  // namespace

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

void ScoreLogHub::OnCommitted(absl::string_view tenant,
                              uint64_t last_sequence) {
  absl::MutexLock lock(&mu_);
  uint64_t& pending = pending_[tenant];
  pending = std::max(pending, last_sequence);
}

uint64_t ScoreLogHub::Available(absl::string_view tenant) {
  absl::MutexLock lock(&mu_);
  return TenantLocked(tenant).available;
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
    absl::flat_hash_map<std::string, uint64_t> pending;
    bool tick = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ScoreLogHub* hub) ABSL_EXCLUSIVE_LOCKS_REQUIRED(hub->mu_) {
            return !hub->pending_.empty() || hub->tick_ || hub->stopping_;
          },
          this));
      if (stopping_) return;
      pending.swap(pending_);
      tick = tick_;
      tick_ = false;
    }
    std::vector<std::string> grown;
    for (const auto& [tenant, last] : pending) {
      uint64_t from, erasures;
      {
        absl::MutexLock lock(&mu_);
        Tenant& t = TenantLocked(tenant);
        from = t.available;
        erasures = t.erasures;
      }
      if (last <= from) continue;
      std::vector<std::shared_ptr<const Entry>> loaded;
      bool complete = true;
      for (uint64_t after = from; after < last;) {
        absl::StatusOr<std::vector<storage::ScoreLogEntry>> chunk =
            store_->ReadScoreLog(tenant, after, kReadChunk);
        if (!chunk.ok()) {
          LOG(WARNING) << "score log of tenant " << tenant
                       << " not loaded for fan-out: " << chunk.status();
          complete = false;
          break;
        }
        if (chunk->empty()) break;
        for (storage::ScoreLogEntry& e : *chunk) {
          if (e.sequence > last) break;
          after = e.sequence;
          loaded.push_back(Decode(tenant, std::move(e)));
        }
        if (chunk->back().sequence >= last ||
            chunk->size() < static_cast<size_t>(kReadChunk))
          break;
      }
      absl::MutexLock lock(&mu_);
      Tenant& t = TenantLocked(tenant);
      // Subscribers read the store instead of an incomplete ring, or of one
      // loaded while an erasure ran.
      if (!complete || t.erasures != erasures) {
        t.ring.clear();
        loaded.clear();
      }
      for (auto& e : loaded) t.ring.push_back(std::move(e));
      while (t.ring.size() > ring_entries_) t.ring.pop_front();
      t.available = std::max(t.available, last);
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
