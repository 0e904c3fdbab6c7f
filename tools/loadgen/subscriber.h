// A score-stream subscriber attached during a load run: counts the score
// events and times those it can match to a sent event (send_log.h).
//
// Thread safety: construct, then Stop once from the thread that made it.
#ifndef KAIKU_TOOLS_LOADGEN_SUBSCRIBER_H_
#define KAIKU_TOOLS_LOADGEN_SUBSCRIBER_H_

#include <memory>
#include <string>
#include <thread>

#include "grpcpp/grpcpp.h"
#include "kaiku/v1/scores.grpc.pb.h"
#include "tools/loadgen/recorder.h"
#include "tools/loadgen/send_log.h"

namespace kaiku::loadgen {

class ScoreSubscriber {
 public:
  // Subscribes from the latest position. `recorder` and `send_log` must
  // outlive this.
  ScoreSubscriber(const std::string& addr, const std::string& api_key,
                  Recorder* recorder, SendLog* send_log);
  ~ScoreSubscriber();
  // Ends the subscription; returns its status text (empty when it was still
  // following).
  std::string Stop();

 private:
  std::unique_ptr<kaiku::v1::Scores::Stub> stub_;
  grpc::ClientContext context_;
  std::thread thread_;
  std::string ended_;
};

}  // namespace kaiku::loadgen

#endif  // KAIKU_TOOLS_LOADGEN_SUBSCRIBER_H_
