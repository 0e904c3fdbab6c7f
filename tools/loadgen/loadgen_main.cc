// kaiku_loadgen: drives kaikud over PublishStream with a synthetic clickstream
// that follows the brief (lib/loadgen/clickstream.h) or with a public dataset
// (lib/replay), and measures what a client sees: events acknowledged per
// second, publish-ack latency from the moment each request was due, and —
// with --subscribe — event-to-score-event latency on a live Subscribe stream.
//
//   kaiku_loadgen --addr=127.0.0.1:50051 --rate=50000 --duration=60
//                 --subscribe --series=series.txt
//
// --rate=0 is open loop at the maximum: each stream keeps --window requests
// in flight. Every run is bounded by --duration and --max_events. The summary
// is printed to stdout as "key value" lines; progress goes to stderr. Exit
// status: 0 when every sent event was acknowledged as stored, 1 otherwise,
// 2 usage.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/arena.h"
#include "lib/loadgen/clickstream.h"
#include "lib/replay/dataset.h"
#include "tools/client/server_address.h"
#include "tools/loadgen/publisher.h"
#include "tools/loadgen/recorder.h"
#include "tools/loadgen/send_log.h"
#include "tools/loadgen/subscriber.h"

ABSL_FLAG(double, rate, 0,
          "Events per second, sent on a fixed schedule; 0: as fast as the "
          "windows allow.");
ABSL_FLAG(double, duration, 60, "Seconds to send for (at most 86400).");
ABSL_FLAG(int64_t, max_events, 0,
          "Send at most this many events (0: no "
          "limit but --duration).");
ABSL_FLAG(int, batch, 500, "Events per request, 1..1000.");
ABSL_FLAG(int, streams, 4, "PublishStream streams, each on its own channel.");
ABSL_FLAG(int, window, 8, "Requests in flight per stream, 1..64.");
ABSL_FLAG(bool, subscribe, false,
          "Attach a score-stream subscriber and time event -> score event.");
ABSL_FLAG(int64_t, visitors, 200000, "Synthetic visitors active at a time.");
ABSL_FLAG(double, start_days_ago, 30,
          "Synthetic event times start this many days before now (and never "
          "pass now).");
ABSL_FLAG(uint32_t, seed, 1, "Seed of the synthetic clickstream.");
ABSL_FLAG(std::string, run_id, "",
          "Prefix of synthetic event and visitor ids (default: lg<seconds "
          "since epoch>).");
ABSL_FLAG(std::string, dataset, "",
          "Replay this dataset (taobao, rees46, uci) from --csv instead of "
          "the synthetic clickstream; times are shifted to end before now.");
ABSL_FLAG(std::string, csv, "", "The dataset file for --dataset.");
ABSL_FLAG(std::string, series, "",
          "Write per-second figures to this file (for gnuplot).");
ABSL_FLAG(double, drain_seconds, 30,
          "After sending, wait this long at most for outstanding acks.");

namespace {

using ::kaiku::loadgen::MonotonicMicros;

// Where the events come from: the synthetic stream, or a dataset in memory.
class Source {
 public:
  virtual ~Source() = default;
  // False when there is nothing more.
  virtual bool Next(kaiku::v1::Event* event, int64_t now_micros) = 0;
  virtual int64_t visitors_seen() const = 0;
};

class SyntheticSource : public Source {
 public:
  explicit SyntheticSource(const kaiku::loadgen::ClickstreamOptions& options)
      : stream_(options) {}
  bool Next(kaiku::v1::Event* event, int64_t now_micros) override {
    stream_.Next(event);
    // Never in the future: a run faster than the simulated time catches up
    // with now.
    if (event->occurred_at().seconds() * 1000000 > now_micros) {
      event->mutable_occurred_at()->set_seconds(now_micros / 1000000);
      event->mutable_occurred_at()->set_nanos(
          static_cast<int32_t>(now_micros % 1000000) * 1000);
    }
    return true;
  }
  int64_t visitors_seen() const override { return stream_.visitors_seen(); }

 private:
  kaiku::loadgen::SyntheticClickstream stream_;
};

class DatasetSource : public Source {
 public:
  explicit DatasetSource(std::vector<kaiku::v1::Event> events)
      : events_(std::move(events)) {
    absl::flat_hash_set<absl::string_view> visitors;
    for (const auto& e : events_) visitors.insert(e.visitor_id());
    visitors_ = static_cast<int64_t>(visitors.size());
  }
  bool Next(kaiku::v1::Event* event, int64_t) override {
    if (next_ >= events_.size()) return false;
    *event = events_[next_++];
    return true;
  }
  int64_t visitors_seen() const override { return visitors_; }

 private:
  std::vector<kaiku::v1::Event> events_;
  size_t next_ = 0;
  int64_t visitors_ = 0;
};

double Ms(int64_t micros) { return static_cast<double>(micros) / 1e3; }

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kaiku_loadgen [--addr=HOST:PORT] [--rate=N] [--duration=S] "
      "[--subscribe] [--dataset=taobao|rees46|uci --csv=FILE]");
  absl::ParseCommandLine(argc, argv);
  const double rate = absl::GetFlag(FLAGS_rate);
  const double duration = absl::GetFlag(FLAGS_duration);
  const int batch = absl::GetFlag(FLAGS_batch);
  const int window = absl::GetFlag(FLAGS_window);
  const int streams = absl::GetFlag(FLAGS_streams);
  if (!(rate >= 0) || !(duration > 0 && duration <= 86400) || batch < 1 ||
      batch > 1000 || window < 1 || window > 64 || streams < 1 ||
      streams > 64 || absl::GetFlag(FLAGS_max_events) < 0) {
    std::cerr << "kaiku_loadgen: need --rate >= 0, --duration in (0, 86400], "
                 "--batch 1..1000, --window 1..64, --streams 1..64, "
                 "--max_events >= 0\n";
    return 2;
  }

  std::unique_ptr<Source> source;
  if (!absl::GetFlag(FLAGS_dataset).empty()) {
    absl::StatusOr<kaiku::replay::Dataset> dataset =
        kaiku::replay::ParseDataset(absl::GetFlag(FLAGS_dataset));
    if (!dataset.ok()) {
      std::cerr << "kaiku_loadgen: --" << dataset.status().message() << "\n";
      return 2;
    }
    absl::StatusOr<std::vector<kaiku::v1::Event>> events =
        kaiku::replay::ReadDatasetFile(*dataset, absl::GetFlag(FLAGS_csv));
    if (!events.ok()) {
      std::cerr << "kaiku_loadgen: --csv: " << events.status().message()
                << "\n";
      return 2;
    }
    kaiku::replay::ShiftByDays(*events,
                               kaiku::replay::DaysToEndBefore(
                                   *events, absl::ToUnixMicros(absl::Now())));
    source = std::make_unique<DatasetSource>(*std::move(events));
  } else {
    kaiku::loadgen::ClickstreamOptions options;
    options.visitors = std::max<int64_t>(absl::GetFlag(FLAGS_visitors), 1);
    options.seed = absl::GetFlag(FLAGS_seed);
    options.run_id = absl::GetFlag(FLAGS_run_id).empty()
                         ? absl::StrCat("lg", absl::ToUnixSeconds(absl::Now()))
                         : absl::GetFlag(FLAGS_run_id);
    options.start_micros = absl::ToUnixMicros(
        absl::Now() - absl::Hours(24 * absl::GetFlag(FLAGS_start_days_ago)));
    source = std::make_unique<SyntheticSource>(options);
  }

  const std::string addr = kaiku::client::ServerAddress();
  const std::string api_key = kaiku::client::ApiKey();
  const int64_t start = MonotonicMicros();
  kaiku::loadgen::Recorder recorder(start);
  kaiku::loadgen::SendLog send_log;
  std::optional<kaiku::loadgen::ScoreSubscriber> subscriber;
  if (absl::GetFlag(FLAGS_subscribe))
    subscriber.emplace(addr, api_key, &recorder, &send_log);
  kaiku::loadgen::StreamPublisher publisher(
      addr, api_key, streams, window, &recorder,
      subscriber.has_value() ? &send_log : nullptr);
  std::cerr << absl::StrFormat(
      "kaiku_loadgen: %s to %s, %s for %.0f s, batches of %d on %d streams "
      "(window %d)\n",
      absl::GetFlag(FLAGS_dataset).empty() ? "synthetic clickstream"
                                           : absl::GetFlag(FLAGS_dataset),
      addr, rate > 0 ? absl::StrFormat("%.0f events/s", rate) : "max rate",
      duration, batch, streams, window);

  const int64_t end = start + static_cast<int64_t>(duration * 1e6);
  const int64_t max_events = absl::GetFlag(FLAGS_max_events) > 0
                                 ? absl::GetFlag(FLAGS_max_events)
                                 : INT64_MAX;
  // Each request is built on an arena that is reset once it is written: no
  // allocation per event, so the generator leaves the cores to the server.
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 256 << 10;
  arena_options.max_block_size = 1 << 20;
  google::protobuf::Arena arena(arena_options);
  int64_t sent = 0;
  int64_t requests = 0;
  int64_t next_progress = start + 10 * 1000000;
  bool exhausted = false;
  while (sent < max_events && !exhausted) {
    int64_t now = MonotonicMicros();
    if (now >= end) break;
    int64_t due = now;
    if (rate > 0) {
      due =
          start + static_cast<int64_t>(static_cast<double>(sent) / rate * 1e6);
      if (due >= end) break;
      if (due > now) {
        std::this_thread::sleep_for(std::chrono::microseconds(due - now));
        now = MonotonicMicros();
      }
    }
    const int64_t wall = absl::ToUnixMicros(absl::Now());
    arena.Reset();
    kaiku::v1::PublishRequest& request =
        *google::protobuf::Arena::CreateMessage<kaiku::v1::PublishRequest>(
            &arena);
    const int64_t n = std::min<int64_t>(batch, max_events - sent);
    for (int64_t i = 0; i < n; ++i) {
      kaiku::v1::Event* e = request.add_events();
      if (!source->Next(e, wall)) {
        request.mutable_events()->RemoveLast();
        exhausted = true;
        break;
      }
    }
    if (request.events_size() == 0) break;
    if (!publisher.Send(static_cast<int>(requests % publisher.streams()),
                        request, due)) {
      std::cerr << "kaiku_loadgen: a stream failed: " << publisher.error()
                << "\n";
      break;
    }
    sent += request.events_size();
    ++requests;
    if (now >= next_progress) {
      next_progress += 10 * 1000000;
      const kaiku::loadgen::Tally t = recorder.tally();
      const kaiku::loadgen::LatencyHistogram ack = recorder.ack_total();
      std::cerr << absl::StrFormat(
          "kaiku_loadgen: %4.0f s: %d events sent, %d stored, ack p99 %.1f "
          "ms\n",
          (now - start) / 1e6, t.sent, t.accepted + t.duplicate,
          Ms(ack.Percentile(0.99)));
    }
  }
  const int64_t send_end = MonotonicMicros();
  publisher.Finish(absl::Seconds(absl::GetFlag(FLAGS_drain_seconds)));
  const int64_t acked_end = MonotonicMicros();
  std::string subscriber_error;
  if (subscriber.has_value()) {
    // Score events of the last acks may still be on their way.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    subscriber_error = subscriber->Stop();
  }

  const kaiku::loadgen::Tally t = recorder.tally();
  const kaiku::loadgen::LatencyHistogram ack = recorder.ack_total();
  const kaiku::loadgen::LatencyHistogram e2e = recorder.e2e_total();
  const double seconds = (acked_end - start) / 1e6;
  const int64_t stored = t.accepted + t.duplicate;
  std::cout << absl::StrFormat(
      "events_sent %d\nevents_accepted %d\nevents_duplicate %d\n"
      "events_rejected %d\nevents_failed %d\nsend_seconds %.3f\n"
      "seconds %.3f\nevents_per_second %.0f\n"
      "ack_p50_ms %.3f\nack_p99_ms %.3f\nack_p999_ms %.3f\nack_max_ms %.3f\n"
      "score_events %d\ne2e_samples %d\ne2e_p50_ms %.3f\ne2e_p99_ms %.3f\n"
      "e2e_p999_ms %.3f\ne2e_max_ms %.3f\nvisitors_seen %d\n",
      t.sent, t.accepted, t.duplicate, t.rejected, t.failed,
      (send_end - start) / 1e6, seconds,
      seconds > 0 ? static_cast<double>(stored) / seconds : 0.0,
      Ms(ack.Percentile(0.5)), Ms(ack.Percentile(0.99)),
      Ms(ack.Percentile(0.999)), Ms(ack.max()), t.score_events, e2e.count(),
      Ms(e2e.Percentile(0.5)), Ms(e2e.Percentile(0.99)),
      Ms(e2e.Percentile(0.999)), Ms(e2e.max()), source->visitors_seen());
  if (!absl::GetFlag(FLAGS_series).empty() &&
      !recorder.WriteSeries(absl::GetFlag(FLAGS_series))) {
    std::cerr << "kaiku_loadgen: cannot write --series\n";
    return 1;
  }
  if (!publisher.error().empty())
    std::cerr << "kaiku_loadgen: " << publisher.error() << "\n";
  if (!subscriber_error.empty())
    std::cerr << "kaiku_loadgen: the subscription ended: " << subscriber_error
              << "\n";
  return t.rejected == 0 && t.failed == 0 && stored == t.sent ? 0 : 1;
}
