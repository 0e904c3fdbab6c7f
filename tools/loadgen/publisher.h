// Publishes over several PublishStream streams, one channel (connection) each,
// with a bounded number of requests in flight per stream, and times every
// acknowledgement from the moment its request was due (so a stalled server
// shows as latency, not as a lower send rate: no coordinated omission).
//
//   StreamPublisher publisher(addr, api_key, /*streams=*/4, /*window=*/8,
//                             &recorder, &send_log);
//   publisher.Send(stream_index, request, due_micros);  // blocks on a full
//   window publisher.Finish(absl::Seconds(30));
//
// Thread safety: Send from one thread at a time; Finish once, after the last
// Send.
#ifndef KAIKU_TOOLS_LOADGEN_PUBLISHER_H_
#define KAIKU_TOOLS_LOADGEN_PUBLISHER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "kaiku/v1/ingest.grpc.pb.h"
#include "tools/loadgen/recorder.h"
#include "tools/loadgen/send_log.h"

namespace kaiku::loadgen {

class StreamPublisher {
 public:
  // `send_log` may be null. Both must outlive this.
  StreamPublisher(const std::string& addr, const std::string& api_key,
                  int streams, int window, Recorder* recorder,
                  SendLog* send_log);
  ~StreamPublisher();

  int streams() const { return static_cast<int>(streams_.size()); }
  // Sends `request` (its sequence is set here) on stream `index % streams()`,
  // waiting while that stream has `window` requests unanswered. False when the
  // stream has failed (its error is in error()).
  bool Send(int index, kaiku::v1::PublishRequest& request, int64_t due_micros);
  // Half-closes the streams and waits up to `drain` for the outstanding
  // acknowledgements; what is unanswered then counts as failed.
  void Finish(absl::Duration drain);
  // The first stream error, empty if none.
  std::string error() const;

 private:
  struct Stream;
  void ReadAcks(Stream* stream);

  const int window_;
  Recorder* const recorder_;
  SendLog* const send_log_;
  std::vector<std::unique_ptr<Stream>> streams_;
  mutable absl::Mutex error_mu_;
  std::string error_ ABSL_GUARDED_BY(error_mu_);
};

}  // namespace kaiku::loadgen

#endif  // KAIKU_TOOLS_LOADGEN_PUBLISHER_H_
