#include "tools/loadgen/send_log.h"

namespace kaiku::loadgen {

namespace {
int64_t Micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}
}  // namespace

void SendLog::Sending(const kaiku::v1::PublishRequest& request,
                      int64_t due_micros) {
  absl::MutexLock lock(&mu_);
  if (latest_.size() > max_visitors_) latest_.clear();
  for (const kaiku::v1::Event& e : request.events()) {
    if (Sampled(e.visitor_id()))
      latest_[e.visitor_id()] = Entry{Micros(e.occurred_at()), due_micros};
  }
}

std::optional<int64_t> SendLog::Latency(absl::string_view visitor_id,
                                        int64_t occurred_micros,
                                        int64_t now_micros) {
  if (!Sampled(visitor_id)) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = latest_.find(visitor_id);
  if (it == latest_.end() || it->second.occurred_micros != occurred_micros)
    return std::nullopt;
  return now_micros - it->second.due_micros;
}

}  // namespace kaiku::loadgen
