// Fan-out of the score log to live subscribers.
//
// The store hands the hub each commit's score-log entries as they are written
// (Store::SetScoreLogListener → OnCommitted): the committing thread only
// copies their bytes into a queue. The hub's own thread decodes each entry
// once, gives it its id and cursor and its bytes on the wire (serialized once,
// for every subscriber), keeps it in a bounded per-tenant ring, and wakes the
// tenant's waiting subscribers. Subscribers at the tail share those entries;
// one that fell behind the ring reads the store at its own pace. Nothing is
// read back from the store on the way.
//
//   uint64_t waiter = hub.AddWaiter(tenant, [] { /* schedule a Pump */ });
//   std::vector<std::shared_ptr<const Entry>> entries;
//   if (!hub.ReadRecent(tenant, after, 256, &entries)) { /* read the store */ }
//   hub.RemoveWaiter(waiter);
//
// Thread safety: every method may be called from any thread. Wake functions
// run on the hub thread, never under the hub's lock; they must not block.
#ifndef KAIKU_LIB_SCORELOG_HUB_H_
#define KAIKU_LIB_SCORELOG_HUB_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "kaiku/v1/scores.pb.h"
#include "lib/storage/store.h"

namespace kaiku::scorelog {

// One decoded score-log entry, with ScoreEvent.id and .cursor set.
struct Entry {
  uint64_t sequence = 0;
  kaiku::v1::ScoreEvent event;
  // `event` serialized, as subscribers receive it.
  std::string wire;
};

class ScoreLogHub {
 public:
  // `store` must outlive the hub. Keeps the last `ring_entries` entries of
  // each tenant in memory.
  ScoreLogHub(storage::Store* store, size_t ring_entries);
  ScoreLogHub(const ScoreLogHub&) = delete;
  ScoreLogHub& operator=(const ScoreLogHub&) = delete;
  // Stops the thread; waiters are not called again.
  ~ScoreLogHub();

  // The store's listener.
  void OnCommitted(const std::vector<storage::CommittedScoreEvent>& entries);

  // The last sequence number subscribers may read: committed and durable (the
  // store holds it), though the hub's thread may not have decoded it yet. A
  // subscriber behind it is not caught up (no heartbeat yet), so an event
  // acknowledged before a subscription starts is read by it.
  uint64_t Available(absl::string_view tenant);

  // Appends the entries after `after` (up to `max`) if the ring still holds
  // the one right after it, and returns true; false when the caller must read
  // the store. Returns true with nothing when nothing after `after` is decoded
  // yet: the waiters are woken once it is.
  bool ReadRecent(absl::string_view tenant, uint64_t after, size_t max,
                  std::vector<std::shared_ptr<const Entry>>* out);

  // Drops a forgotten visitor's entries from the ring, after the store erased
  // them: no subscriber is served them from memory afterwards.
  void Forget(absl::string_view tenant, absl::string_view visitor_id);

  // `wake` runs when the tenant's log grows and on every Tick.
  uint64_t AddWaiter(absl::string_view tenant, std::function<void()> wake);
  void RemoveWaiter(uint64_t id);

  // Wakes every waiter (for heartbeats); called by a ticker.
  void Tick();

  // For shutdown: from now on closed() is true, and every waiter is woken (on
  // the caller's thread) so that streams can end.
  void Close();
  bool closed();

  // Decodes a stored entry for delivery (id, cursor and wire bytes set).
  static std::shared_ptr<const Entry> Decode(absl::string_view tenant,
                                             storage::ScoreLogEntry entry);

 private:
  // A committed entry not decoded yet.
  struct Pending {
    uint64_t sequence;
    std::string event;  // serialized, id and cursor unset
  };
  struct Tenant {
    // The last entry decoded (or read from the store at first use).
    uint64_t available = 0;
    bool known = false;  // `available` read from the store
    // Counts Forget calls: entries decoded across one are dropped, since they
    // may hold what it erased.
    uint64_t erasures = 0;
    std::deque<std::shared_ptr<const Entry>> ring;
    // The sequence number after the ring's last entry: the ring holds every
    // entry from its first to here, except the ones Forget removed.
    uint64_t ring_end = 0;
    // Handed over by OnCommitted, not decoded yet; the last one handed over.
    std::vector<Pending> pending;
    uint64_t committed = 0;
    absl::flat_hash_map<uint64_t, std::function<void()>> waiters;
  };

  // Decodes a committed entry (id, cursor and wire bytes set); null when its
  // bytes are not a ScoreEvent.
  static std::shared_ptr<const Entry> DecodeCommitted(absl::string_view tenant,
                                                      Pending pending);

  void Run();
  Tenant& TenantLocked(absl::string_view tenant)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Wake(const std::vector<std::string>& tenants);

  storage::Store* const store_;
  const size_t ring_entries_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Tenant> tenants_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, std::string> waiter_tenant_
      ABSL_GUARDED_BY(mu_);
  uint64_t next_waiter_ ABSL_GUARDED_BY(mu_) = 1;
  // Tenants with pending entries.
  std::vector<std::string> dirty_ ABSL_GUARDED_BY(mu_);
  bool tick_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace kaiku::scorelog

#endif  // KAIKU_LIB_SCORELOG_HUB_H_
