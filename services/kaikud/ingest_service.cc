#include "services/kaikud/ingest_service.h"

#include <deque>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/arena.h"
#include "services/kaikud/call_auth.h"
#include "services/kaikud/grpc_status.h"

namespace kaiku::kaikud {
namespace {

using ::kaiku::v1::PublishRequest;
using ::kaiku::v1::PublishResponse;

// One PublishStream. Requests are read one at a time and handed to the
// Publisher as soon as they arrive, so several are stored concurrently; their
// acks are written strictly in request order, one write in flight at a time.
//
// Lifetime: gRPC deletes nothing; the reactor deletes itself in OnDone, which
// comes only after Finish, which is called only once no Publisher callback is
// outstanding and no read or write is in flight. All gRPC operations are
// started outside `mu_`.
class PublishStreamReactor
    : public grpc::ServerBidiReactor<PublishRequest, PublishResponse> {
 public:
  PublishStreamReactor(const auth::Principal& principal, Publisher* publisher)
      : principal_(principal), publisher_(publisher) {
    Advance();  // starts the first read
  }

  void OnReadDone(bool ok) override {
    Slot* slot = nullptr;
    {
      absl::MutexLock lock(&mu_);
      read_in_flight_ = false;
      if (ok) {
        slot = reading_.get();
        slots_.push_back(std::move(reading_));
        ++outstanding_;
      } else {
        reads_done_ = true;
      }
    }
    if (slot != nullptr) {
      publisher_->Publish(
          principal_, slot->request, &slot->response,
          [this, slot](grpc::Status status) { OnPublished(slot, status); });
    }
    Advance();
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      slots_.pop_front();
      if (!ok) broken_ = true;
    }
    Advance();
  }

  void OnDone() override { delete this; }

 private:
  // The request and its response live on the slot's arena: parsing a
  // request of hundreds of events costs a few block allocations instead of
  // several per event, and freeing it is one pass over the blocks.
  struct Slot {
    static google::protobuf::ArenaOptions Blocks() {
      google::protobuf::ArenaOptions o;
      o.start_block_size = 16 << 10;
      o.max_block_size = 256 << 10;
      return o;
    }
    google::protobuf::Arena arena{Blocks()};
    PublishRequest& request =
        *google::protobuf::Arena::CreateMessage<PublishRequest>(&arena);
    PublishResponse& response =
        *google::protobuf::Arena::CreateMessage<PublishResponse>(&arena);
    bool ready = false;  // response is final
  };

  void OnPublished(Slot* slot, grpc::Status status) {
    {
      absl::MutexLock lock(&mu_);
      if (!status.ok()) {
        slot->response.mutable_status()->set_code(status.error_code());
        slot->response.mutable_status()->set_message(status.error_message());
      }
      slot->ready = true;
      --outstanding_;
    }
    Advance();
  }

  // Decides, under the lock, the next gRPC operations, and starts them outside
  // it.
  void Advance() {
    const PublishResponse* to_write = nullptr;
    PublishRequest* to_read = nullptr;
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      if (broken_) {
        // The client is gone: drop acks that can no longer be written.
        while (!writing_ && !slots_.empty() && slots_.front()->ready)
          slots_.pop_front();
      } else if (!writing_ && !slots_.empty() && slots_.front()->ready) {
        writing_ = true;
        to_write = &slots_.front()->response;
      }
      if (!broken_ && !reads_done_ && !read_in_flight_ &&
          static_cast<int>(slots_.size()) < kMaxInFlightPerStream) {
        read_in_flight_ = true;
        reading_ = std::make_unique<Slot>();
        to_read = &reading_->request;
      }
      if (!finished_ && !read_in_flight_ && (reads_done_ || broken_) &&
          !writing_ && outstanding_ == 0 && slots_.empty()) {
        finished_ = true;
        finish = true;
      }
    }
    if (to_write != nullptr) StartWrite(to_write);
    if (to_read != nullptr) StartRead(to_read);
    if (finish) Finish(grpc::Status::OK);
  }

  const auth::Principal principal_;
  Publisher* const publisher_;

  absl::Mutex mu_;
  std::unique_ptr<Slot> reading_
      ABSL_GUARDED_BY(mu_);  // target of the read in flight
  // Requests read but not yet acked, in request order; the front is written
  // first.
  std::deque<std::unique_ptr<Slot>> slots_ ABSL_GUARDED_BY(mu_);
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;  // Publisher callbacks not yet run
  bool read_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// A stream refused at the start (authentication): finishes at once.
class RefusedStream
    : public grpc::ServerBidiReactor<PublishRequest, PublishResponse> {
 public:
  explicit RefusedStream(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerUnaryReactor* IngestService::Publish(
    grpc::CallbackServerContext* context, const PublishRequest* request,
    PublishResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<auth::Principal> principal = AuthorizeUnaryCall(
      *context, *authenticator_, auth::Scope::kIngest, reactor);
  if (!principal.has_value()) return reactor;
  publisher_->Publish(
      *principal, *request, response,
      [reactor](grpc::Status status) { reactor->Finish(status); });
  return reactor;
}

grpc::ServerBidiReactor<PublishRequest, PublishResponse>*
IngestService::PublishStream(grpc::CallbackServerContext* context) {
  absl::StatusOr<auth::Principal> principal =
      AuthorizeCall(*context, *authenticator_, auth::Scope::kIngest);
  if (!principal.ok())
    return new RefusedStream(ToGrpcStatus(principal.status()));
  return new PublishStreamReactor(*principal, publisher_);
}

}  // namespace kaiku::kaikud
