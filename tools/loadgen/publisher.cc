#include "tools/loadgen/publisher.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace kaiku::loadgen {

struct StreamPublisher::Stream {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<kaiku::v1::Ingest::Stub> stub;
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<kaiku::v1::PublishRequest,
                                           kaiku::v1::PublishResponse>>
      rw;
  std::thread reader;
  uint64_t next_sequence = 1;

  struct InFlight {
    uint64_t sequence;
    int64_t due_micros;
    int64_t events;
  };
  absl::Mutex mu;
  std::deque<InFlight> in_flight ABSL_GUARDED_BY(mu);
  bool done ABSL_GUARDED_BY(mu) = false;  // the reader has stopped
};

StreamPublisher::StreamPublisher(const std::string& addr,
                                 const std::string& api_key, int streams,
                                 int window, Recorder* recorder,
                                 SendLog* send_log)
    : window_(std::max(window, 1)), recorder_(recorder), send_log_(send_log) {
  for (int i = 0; i < std::max(streams, 1); ++i) {
    auto s = std::make_unique<Stream>();
    grpc::ChannelArguments args;
    // A connection of its own per stream, as separate clients would have.
    args.SetInt("kaiku.loadgen.stream", i);
    args.SetMaxReceiveMessageSize(64 << 20);
    s->channel = grpc::CreateCustomChannel(
        addr, grpc::InsecureChannelCredentials(), args);
    s->stub = kaiku::v1::Ingest::NewStub(s->channel);
    if (!api_key.empty())
      s->context.AddMetadata("authorization", "Bearer " + api_key);
    s->rw = s->stub->PublishStream(&s->context);
    Stream* raw = s.get();
    s->reader = std::thread([this, raw] { ReadAcks(raw); });
    streams_.push_back(std::move(s));
  }
}

StreamPublisher::~StreamPublisher() {
  for (auto& s : streams_) {
    s->context.TryCancel();
    if (s->reader.joinable()) s->reader.join();
  }
}

bool StreamPublisher::Send(int index, kaiku::v1::PublishRequest& request,
                           int64_t due_micros) {
  Stream& s = *streams_[static_cast<size_t>(index) % streams_.size()];
  {
    absl::MutexLock lock(&s.mu);
    const auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu) {
      return s.done || static_cast<int>(s.in_flight.size()) < window_;
    };
    s.mu.Await(absl::Condition(&room));
    if (s.done) return false;
    request.set_sequence(s.next_sequence++);
    s.in_flight.push_back(Stream::InFlight{request.sequence(), due_micros,
                                           request.events_size()});
  }
  if (send_log_ != nullptr) send_log_->Sending(request, due_micros);
  recorder_->Sent(request.events_size());
  // A failed write shows as the stream's end in the reader.
  return s.rw->Write(request);
}

void StreamPublisher::ReadAcks(Stream* s) {
  kaiku::v1::PublishResponse response;
  while (s->rw->Read(&response)) {
    const int64_t now = MonotonicMicros();
    Stream::InFlight sent;
    {
      absl::MutexLock lock(&s->mu);
      if (s->in_flight.empty()) continue;
      sent = s->in_flight.front();
      s->in_flight.pop_front();
    }
    if (response.sequence() != sent.sequence) {
      absl::MutexLock lock(&error_mu_);
      if (error_.empty())
        error_ = absl::StrCat("ack for sequence ", response.sequence(),
                              ", expected ", sent.sequence);
    }
    if (response.status().code() != 0) {
      recorder_->Acked(now, now - sent.due_micros, 0, 0, 0, sent.events);
      continue;
    }
    recorder_->Acked(now, now - sent.due_micros, response.accepted_count(),
                     response.duplicate_count(), response.rejected_count(), 0);
  }
  const grpc::Status status = s->rw->Finish();
  absl::MutexLock lock(&s->mu);
  s->done = true;
  int64_t unanswered = 0;
  for (const Stream::InFlight& f : s->in_flight) unanswered += f.events;
  s->in_flight.clear();
  if (unanswered > 0)
    recorder_->Acked(MonotonicMicros(), 0, 0, 0, 0, unanswered);
  if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
    absl::MutexLock error_lock(&error_mu_);
    if (error_.empty())
      error_ = absl::StrCat("stream ended: code ", status.error_code(), ": ",
                            status.error_message());
  }
}

void StreamPublisher::Finish(absl::Duration drain) {
  for (auto& s : streams_) s->rw->WritesDone();
  const absl::Time deadline = absl::Now() + drain;
  for (auto& s : streams_) {
    bool finished;
    {
      absl::MutexLock lock(&s->mu);
      const auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) {
        return s->done;
      };
      finished = s->mu.AwaitWithDeadline(absl::Condition(&done), deadline);
    }
    // Still unanswered: give up on this stream.
    if (!finished) s->context.TryCancel();
  }
  for (auto& s : streams_) {
    if (s->reader.joinable()) s->reader.join();
  }
}

std::string StreamPublisher::error() const {
  absl::MutexLock lock(&error_mu_);
  return error_;
}

}  // namespace kaiku::loadgen
