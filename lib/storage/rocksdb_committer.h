// The RocksDB store's one committer, and the score log's numbering. Internal
// to lib/storage.
//
// Commits queue up (leveldb's DBImpl::Write): the writer at the front of the
// queue leads a group of every batch queued behind it, numbers the group's
// score-log entries, writes the group with one DB::Write (synced when any of
// it asked for a sync), hands the entries to the listener, and then hands the
// lead to the next writer. No lock is held across the write; writers arriving
// meanwhile queue up and form the next group. So score-log sequence numbers
// follow the order of the write-ahead log (a crash loses only a suffix of
// them, never one in the middle), and the listener sees each tenant's entries
// in order and without gaps.
#ifndef KAIKU_LIB_STORAGE_ROCKSDB_COMMITTER_H_
#define KAIKU_LIB_STORAGE_ROCKSDB_COMMITTER_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "lib/storage/rocksdb_batch.h"
#include "lib/storage/store.h"
#include "rocksdb/db.h"

namespace kaiku::storage {

class GroupCommitter {
 public:
  // `db` and `scorelog` must outlive the committer.
  GroupCommitter(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* scorelog)
      : db_(db), scorelog_(scorelog) {}
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Reads each tenant's first and last sequence numbers from the score log.
  // Before the first Commit.
  absl::Status Recover();

  // Set before the first Commit.
  void SetListener(ScoreLogListener listener) {
    listener_ = std::move(listener);
  }

  // Writes `batch` (sealing it), as part of a group; returns the group's
  // status once it is written (and synced, if `sync`).
  absl::Status Commit(RocksBatch* batch, bool sync);

  // The tenant's last written score-log sequence number; 0 when none.
  uint64_t Last(absl::string_view tenant);
  // The tenant's first retained sequence number; 0 when its log is empty.
  uint64_t First(absl::string_view tenant);
  std::vector<std::string> Tenants();
  // For trimming: the first retained and last assigned numbers, and a new
  // first retained one.
  void Bounds(absl::string_view tenant, uint64_t* first, uint64_t* last);
  void SetFirst(absl::string_view tenant, uint64_t first);

 private:
  struct Writer {
    RocksBatch* batch = nullptr;
    bool sync = false;
    bool leader = false;
    bool done = false;
    absl::Status status;
    bool Ready() const { return leader || done; }
  };

  // The leader's work: number, write, publish. No lock held on entry.
  absl::Status WriteGroup(const std::vector<Writer*>& group);

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const scorelog_;
  ScoreLogListener listener_;

  absl::Mutex queue_mu_;
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(queue_mu_);

  // Per tenant: the last sequence number assigned, the last one written (and
  // synced when asked for), the first one retained (0: empty).
  absl::Mutex numbers_mu_;
  absl::flat_hash_map<std::string, uint64_t> last_ ABSL_GUARDED_BY(numbers_mu_);
  absl::flat_hash_map<std::string, uint64_t> written_
      ABSL_GUARDED_BY(numbers_mu_);
  absl::flat_hash_map<std::string, uint64_t> first_
      ABSL_GUARDED_BY(numbers_mu_);
};

}  // namespace kaiku::storage

#endif  // KAIKU_LIB_STORAGE_ROCKSDB_COMMITTER_H_
