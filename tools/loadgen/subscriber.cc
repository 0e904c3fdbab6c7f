#include "tools/loadgen/subscriber.h"

#include "absl/strings/str_cat.h"

namespace kaiku::loadgen {

ScoreSubscriber::ScoreSubscriber(const std::string& addr,
                                 const std::string& api_key, Recorder* recorder,
                                 SendLog* send_log) {
  grpc::ChannelArguments args;
  args.SetInt("kaiku.loadgen.subscriber", 1);
  stub_ = kaiku::v1::Scores::NewStub(grpc::CreateCustomChannel(
      addr, grpc::InsecureChannelCredentials(), args));
  if (!api_key.empty())
    context_.AddMetadata("authorization", "Bearer " + api_key);
  thread_ = std::thread([this, recorder, send_log] {
    kaiku::v1::SubscribeRequest request;
    request.set_from_latest(true);
    std::unique_ptr<grpc::ClientReader<kaiku::v1::ScoreEvent>> reader =
        stub_->Subscribe(&context_, request);
    kaiku::v1::ScoreEvent event;
    while (reader->Read(&event)) {
      if (event.kind() == kaiku::v1::SCORE_EVENT_KIND_HEARTBEAT) continue;
      const int64_t now = MonotonicMicros();
      const int64_t occurred = event.occurred_at().seconds() * 1000000 +
                               event.occurred_at().nanos() / 1000;
      recorder->ScoreEvent(
          now, send_log->Latency(event.visitor_id(), occurred, now));
    }
    const grpc::Status status = reader->Finish();
    if (status.error_code() != grpc::StatusCode::CANCELLED)
      ended_ = absl::StrCat("code ", status.error_code(), ": ",
                            status.error_message());
  });
}

ScoreSubscriber::~ScoreSubscriber() { Stop(); }

std::string ScoreSubscriber::Stop() {
  context_.TryCancel();
  if (thread_.joinable()) thread_.join();
  return ended_;
}

}  // namespace kaiku::loadgen
