#include "lib/storage/rocksdb_committer.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "lib/storage/key_codec.h"
#include "lib/storage/rocksdb_scan.h"
#include "lib/storage/rocksdb_status.h"

namespace kaiku::storage {
namespace {

// A group stops growing at this many bytes of buffered entries (a writer
// joining a bigger group would wait for more than its own write).
constexpr size_t kMaxGroupBytes = size_t{8} << 20;

}  // namespace

absl::Status GroupCommitter::Recover() {
  absl::MutexLock lock(&numbers_mu_);
  // Each tenant's first key, and from the start of the next tenant back to its
  // last.
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), scorelog_));
  for (it->SeekToFirst(); it->Valid();) {
    absl::string_view tenant;
    uint64_t sequence;
    if (!DecodeScoreLogKey(View(it->key()), &tenant, &sequence))
      return absl::DataLossError("malformed score-log key");
    const std::string next = PrefixSuccessor(TenantPrefix(tenant));
    std::string name(tenant);
    first_[name] = sequence;
    it->SeekForPrev(next);
    if (!it->Valid() || !DecodeScoreLogKey(View(it->key()), &tenant, &sequence))
      return absl::DataLossError("malformed score-log key");
    last_[name] = sequence;
    written_[name] = sequence;
    it->Seek(next);
  }
  return FromRocksStatus(it->status(), "reading the score log");
}

absl::Status GroupCommitter::Commit(RocksBatch* batch, bool sync) {
  Writer w;
  w.batch = batch;
  w.sync = sync;
  std::vector<Writer*> group;
  {
    absl::MutexLock lock(&queue_mu_);
    w.leader = writers_.empty();
    writers_.push_back(&w);
    queue_mu_.Await(absl::Condition(&w, &Writer::Ready));
    if (w.done) return w.status;
    size_t bytes = 0;
    for (Writer* x : writers_) {
      bytes += x->batch->ApproximateBytes();
      if (!group.empty() && bytes > kMaxGroupBytes) break;
      group.push_back(x);
    }
  }
  const absl::Status status = WriteGroup(group);
  absl::MutexLock lock(&queue_mu_);
  for (Writer* x : group) {
    writers_.pop_front();
    x->status = status;
    x->done = true;
  }
  if (!writers_.empty()) writers_.front()->leader = true;
  return status;
}

absl::Status GroupCommitter::WriteGroup(const std::vector<Writer*>& group) {
  rocksdb::WriteBatch* write = group.front()->batch->write_batch();
  bool sync = false;
  for (Writer* x : group) {
    x->batch->SealInto(write);
    sync = sync || x->sync;
  }
  // Only this leader numbers entries until it hands the lead on: on failure,
  // the numbers it took are given back.
  std::vector<CommittedScoreEvent> entries;
  absl::flat_hash_map<std::string, uint64_t> before;
  {
    absl::MutexLock lock(&numbers_mu_);
    for (Writer* x : group) {
      for (const RocksBatch::ScoreLogAppend& e : x->batch->score_events()) {
        uint64_t& last = last_[e.tenant];
        before.emplace(e.tenant, last);
        ++last;
        write->Put(scorelog_, ScoreLogKey(e.tenant, last), e.record)
            .PermitUncheckedError();
        entries.push_back(CommittedScoreEvent{e.tenant, last, e.event()});
      }
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  absl::Status written =
      FromRocksStatus(db_->Write(wo, write), "writing events");
  {
    absl::MutexLock lock(&numbers_mu_);
    if (!written.ok()) {
      for (const auto& [tenant, last] : before) last_[tenant] = last;
      return written;
    }
    for (const CommittedScoreEvent& e : entries) {
      uint64_t& first = first_[e.tenant];
      if (first == 0) first = e.sequence;
      written_[e.tenant] = e.sequence;
    }
  }
  if (listener_ && !entries.empty()) listener_(entries);
  return absl::OkStatus();
}

uint64_t GroupCommitter::Last(absl::string_view tenant) {
  absl::MutexLock lock(&numbers_mu_);
  auto it = written_.find(tenant);
  return it == written_.end() ? 0 : it->second;
}

uint64_t GroupCommitter::First(absl::string_view tenant) {
  absl::MutexLock lock(&numbers_mu_);
  auto it = first_.find(tenant);
  return it == first_.end() ? 0 : it->second;
}

std::vector<std::string> GroupCommitter::Tenants() {
  absl::MutexLock lock(&numbers_mu_);
  std::vector<std::string> tenants;
  for (const auto& [tenant, last] : last_) tenants.push_back(tenant);
  std::sort(tenants.begin(), tenants.end());
  return tenants;
}

void GroupCommitter::Bounds(absl::string_view tenant, uint64_t* first,
                            uint64_t* last) {
  absl::MutexLock lock(&numbers_mu_);
  auto f = first_.find(tenant);
  auto l = last_.find(tenant);
  *first = f == first_.end() ? 0 : f->second;
  *last = l == last_.end() ? 0 : l->second;
}

void GroupCommitter::SetFirst(absl::string_view tenant, uint64_t first) {
  absl::MutexLock lock(&numbers_mu_);
  first_[std::string(tenant)] = first;
}

}  // namespace kaiku::storage
