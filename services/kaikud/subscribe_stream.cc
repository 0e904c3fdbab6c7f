#include "services/kaikud/subscribe_stream.h"

#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "lib/common/names.h"
#include "lib/scorelog/cursor.h"
#include "services/kaikud/grpc_status.h"

namespace kaiku::kaikud {
namespace {

using ::kaiku::scorelog::Entry;
using ::kaiku::v1::ScoreEvent;

constexpr int kReadBatch = 256;

// The entry's wire bytes as a message to write, without a copy: the slice
// holds a reference to the entry until gRPC is done with it.
grpc::ByteBuffer EntryBytes(const std::shared_ptr<const Entry>& entry) {
  auto* owner = new std::shared_ptr<const Entry>(entry);
  grpc::Slice slice(
      const_cast<char*>(entry->wire.data()), entry->wire.size(),
      +[](void* p) { delete static_cast<std::shared_ptr<const Entry>*>(p); },
      owner);
  return grpc::ByteBuffer(&slice, 1);
}

class Reactor;

// The stream's state, shared with the callbacks that may outlive the reactor
// (hub wake-ups, read-pool tasks); they hold it and find the reactor gone.
class Subscription : public std::enable_shared_from_this<Subscription> {
 public:
  Subscription(const SubscribeContext& context, std::string tenant,
               const kaiku::v1::SubscribeRequest& request, Reactor* reactor)
      : context_(context),
        tenant_(std::move(tenant)),
        request_(request),
        reactor_(reactor),
        kinds_(request.kinds().begin(), request.kinds().end()),
        segments_(request.segments().begin(), request.segments().end()) {}

  void Start();
  void WriteDone(bool ok);
  void Cancelled();
  void Detach();
  // Committed entries not delivered yet.
  int64_t Lag();

 private:
  void Init();
  void Pump();
  void ReadStore();
  bool Wanted(const ScoreEvent& e) const;
  void TakeLocked(std::vector<std::shared_ptr<const Entry>>& entries)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Fail(const grpc::Status& status);

  const SubscribeContext context_;
  const std::string tenant_;
  const kaiku::v1::SubscribeRequest request_;

  absl::Mutex mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  // Sequence number of the last entry delivered or filtered out.
  uint64_t position_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<std::shared_ptr<const Entry>> buffer_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const Entry> in_flight_ ABSL_GUARDED_BY(mu_);
  // What is being written: in_flight_'s bytes, or a heartbeat's.
  grpc::ByteBuffer message_ ABSL_GUARDED_BY(mu_);
  absl::Time last_write_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t waiter_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t stats_id_ ABSL_GUARDED_BY(mu_) = 0;

  const absl::flat_hash_set<int> kinds_;
  const absl::flat_hash_set<int> segments_;
};

class Reactor : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  Reactor(const SubscribeContext& context, std::string tenant,
          const kaiku::v1::SubscribeRequest& request)
      : subscription_(std::make_shared<Subscription>(context, std::move(tenant),
                                                     request, this)) {
    subscription_->Start();
  }
  void OnWriteDone(bool ok) override { subscription_->WriteDone(ok); }
  void OnCancel() override { subscription_->Cancelled(); }
  void OnDone() override {
    subscription_->Detach();
    delete this;
  }

 private:
  std::shared_ptr<Subscription> subscription_;
};

void Subscription::Start() {
  std::weak_ptr<Subscription> weak = weak_from_this();
  if (!context_.reads->Schedule([weak] {
        if (auto self = weak.lock()) self->Init();
      })) {
    absl::MutexLock lock(&mu_);
    FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                              "the server is shutting down"));
  }
}

// On the read pool: where to start, then the first Pump.
void Subscription::Init() {
  storage::Store& store = *context_.store;
  const std::string& name = request_.consumer_name();
  if (!name.empty() && !ValidConsumerName(name)) {
    Fail(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "consumer_name: must be 1..64 of [A-Za-z0-9_.-]"));
    return;
  }
  if (!kaiku::v1::Level_IsValid(request_.min_level())) {
    Fail(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "min_level: not a Level"));
    return;
  }
  const uint64_t first = store.FirstScoreSequence(tenant_);
  const uint64_t available = context_.hub->Available(tenant_);
  // Before the first retained entry: the log starts there (or after the last
  // entry when it is empty).
  const uint64_t earliest = first == 0 ? available : first - 1;
  uint64_t position = available;
  switch (request_.start_case()) {
    case kaiku::v1::SubscribeRequest::kFromEarliest:
      position = earliest;
      break;
    case kaiku::v1::SubscribeRequest::kFromLatest:
      break;
    case kaiku::v1::SubscribeRequest::kAfterCursor: {
      absl::StatusOr<uint64_t> after = scorelog::DecodeCursor(
          tenant_, request_.after_cursor(), "after_cursor");
      if (!after.ok()) {
        Fail(ToGrpcStatus(after.status()));
        return;
      }
      position = *after;
      break;
    }
    case kaiku::v1::SubscribeRequest::START_NOT_SET:
      if (!name.empty()) {
        absl::StatusOr<std::optional<uint64_t>> committed =
            store.GetConsumerCursor(tenant_, name);
        if (!committed.ok()) {
          Fail(ToGrpcStatus(committed.status()));
          return;
        }
        position = committed->value_or(earliest);
      }
      break;
  }
  if (position < earliest) {
    Fail(CursorExpired(tenant_, first));
    return;
  }
  if (position > store.LastScoreSequence(tenant_)) {
    Fail(grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                      "after_cursor: ahead of this server's log (was the data "
                      "directory replaced?)"));
    return;
  }
  std::weak_ptr<Subscription> weak = weak_from_this();
  const uint64_t waiter = context_.hub->AddWaiter(tenant_, [weak] {
    if (auto self = weak.lock()) self->Pump();
  });
  {
    absl::MutexLock lock(&mu_);
    if (!finished_) {
      waiter_ = waiter;
      position_ = position;
      started_ = true;
    }
  }
  bool started;
  {
    absl::MutexLock lock(&mu_);
    started = started_;
  }
  if (!started) {
    context_.hub->RemoveWaiter(waiter);
    return;
  }
  if (context_.stats != nullptr) {
    const uint64_t id = context_.stats->Add([weak] {
      auto self = weak.lock();
      return self ? self->Lag() : int64_t{0};
    });
    bool detached;
    {
      absl::MutexLock lock(&mu_);
      detached = reactor_ == nullptr;
      if (!detached) stats_id_ = id;
    }
    if (detached) context_.stats->Remove(id);
  }
  Pump();
}

int64_t Subscription::Lag() {
  absl::MutexLock lock(&mu_);
  const uint64_t available = context_.hub->Available(tenant_);
  const uint64_t unread = available > position_ ? available - position_ : 0;
  return static_cast<int64_t>(unread + buffer_.size()) +
         (in_flight_ != nullptr ? 1 : 0);
}

bool Subscription::Wanted(const ScoreEvent& e) const {
  if (!kinds_.empty() && !kinds_.contains(e.kind())) return false;
  if (!segments_.empty() && !segments_.contains(e.segment())) return false;
  if (request_.min_level() != kaiku::v1::LEVEL_UNSPECIFIED &&
      e.level() < request_.min_level())
    return false;
  return true;
}

void Subscription::TakeLocked(
    std::vector<std::shared_ptr<const Entry>>& entries) {
  for (auto& e : entries) {
    if (e->sequence <= position_) continue;
    position_ = e->sequence;
    if (Wanted(e->event)) buffer_.push_back(std::move(e));
  }
}

// Decides the next step; never blocks (runs on gRPC, hub and pool threads).
void Subscription::Pump() {
  absl::MutexLock lock(&mu_);
  if (started_ && context_.hub->closed()) {
    FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                              "the server is shutting down; subscribe again "
                              "after the last cursor you received"));
    return;
  }
  while (started_ && !finished_ && !writing_) {
    if (!buffer_.empty()) {
      in_flight_ = std::move(buffer_.front());
      buffer_.pop_front();
      writing_ = true;
      message_ = EntryBytes(in_flight_);
      reactor_->StartWrite(&message_);
      return;
    }
    if (reading_) return;
    if (position_ < context_.hub->Available(tenant_)) {
      std::vector<std::shared_ptr<const Entry>> recent;
      if (context_.hub->ReadRecent(tenant_, position_, kReadBatch, &recent)) {
        if (recent.empty()) return;
        TakeLocked(recent);
        continue;
      }
      reading_ = true;
      std::weak_ptr<Subscription> weak = weak_from_this();
      if (!context_.reads->Schedule([weak] {
            if (auto self = weak.lock()) self->ReadStore();
          })) {
        FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                  "the server is shutting down"));
      }
      return;
    }
    // Caught up: a heartbeat when the stream has been quiet long enough.
    const absl::Time now = context_.clock->Now();
    if (now - last_write_ < context_.heartbeat_interval) return;
    ScoreEvent heartbeat;
    heartbeat.set_kind(kaiku::v1::SCORE_EVENT_KIND_HEARTBEAT);
    heartbeat.set_cursor(scorelog::EncodeCursor(tenant_, position_));
    *heartbeat.mutable_occurred_at() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
            absl::ToUnixMicros(now));
    const std::string bytes = heartbeat.SerializeAsString();
    grpc::Slice slice(bytes.data(), bytes.size());
    message_ = grpc::ByteBuffer(&slice, 1);
    writing_ = true;
    reactor_->StartWrite(&message_);
    return;
  }
}

// On the read pool: the next entries from the store, for a stream behind the
// hub's ring.
void Subscription::ReadStore() {
  uint64_t position;
  {
    absl::MutexLock lock(&mu_);
    position = position_;
  }
  const uint64_t first = context_.store->FirstScoreSequence(tenant_);
  if (first != 0 && position + 1 < first) {
    // Retention removed entries this stream had not read: say so, never skip.
    Fail(CursorExpired(tenant_, first));
    return;
  }
  const uint64_t available = context_.hub->Available(tenant_);
  absl::StatusOr<std::vector<storage::ScoreLogEntry>> read =
      context_.store->ReadScoreLog(tenant_, position, kReadBatch);
  if (!read.ok()) {
    Fail(ToGrpcStatus(read.status()));
    return;
  }
  std::vector<std::shared_ptr<const Entry>> entries;
  for (storage::ScoreLogEntry& e : *read) {
    if (e.sequence > available) break;
    entries.push_back(scorelog::ScoreLogHub::Decode(tenant_, std::move(e)));
  }
  {
    absl::MutexLock lock(&mu_);
    reading_ = false;
    if (entries.empty()) {
      // Entries up to `available` were erased (ForgetVisitor): skip them.
      position_ = std::max(position_, available);
    }
    TakeLocked(entries);
  }
  Pump();
}

void Subscription::WriteDone(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (ok && in_flight_ != nullptr && context_.stats != nullptr)
      context_.stats->CountDelivered();
    in_flight_.reset();
    last_write_ = context_.clock->Now();
    if (!ok) {
      FinishLocked(
          grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
      return;
    }
  }
  Pump();
}

void Subscription::Cancelled() {
  absl::MutexLock lock(&mu_);
  FinishLocked(grpc::Status::CANCELLED);
}

void Subscription::Detach() {
  uint64_t waiter, stats_id;
  {
    absl::MutexLock lock(&mu_);
    reactor_ = nullptr;
    finished_ = true;
    waiter = waiter_;
    waiter_ = 0;
    stats_id = stats_id_;
    stats_id_ = 0;
  }
  if (waiter != 0) context_.hub->RemoveWaiter(waiter);
  if (stats_id != 0) context_.stats->Remove(stats_id);
}

void Subscription::Fail(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  FinishLocked(status);
}

void Subscription::FinishLocked(const grpc::Status& status) {
  if (finished_ || reactor_ == nullptr) return;
  finished_ = true;
  reactor_->Finish(status);
}

}  // namespace

bool ValidConsumerName(absl::string_view name) { return IsSimpleName(name); }

grpc::Status CursorExpired(const std::string& tenant, uint64_t first_retained) {
  const std::string earliest =
      scorelog::EncodeCursor(tenant, first_retained - 1);
  const std::string message = absl::StrCat(
      "cursor expired: the score log retains entries from sequence ",
      first_retained, " on; continue from the earliest cursor ", earliest,
      " (the events in between are gone)");
  google::rpc::ErrorInfo info;
  info.set_reason("CURSOR_EXPIRED");
  info.set_domain("kaiku.v1");
  (*info.mutable_metadata())["earliest_cursor"] = earliest;
  google::rpc::Status status;
  status.set_code(grpc::StatusCode::OUT_OF_RANGE);
  status.set_message(message);
  status.add_details()->PackFrom(info);
  return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, message,
                      status.SerializeAsString());
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* NewSubscribeStream(
    const SubscribeContext& context, std::string tenant,
    const kaiku::v1::SubscribeRequest& request) {
  return new Reactor(context, std::move(tenant), request);
}

}  // namespace kaiku::kaikud
