// kaiku_loadgen: drives kaikud over PublishStream and measures what a client
// sees: events acknowledged per second, publish-ack latency from the moment
// each request was due, and — with --subscribe — event-to-score-event latency
// on a live Subscribe stream.
//
// Workloads:
//   live (default): the realistic one (lib/loadgen/live_clickstream.h):
//     visitors at human pace in real time, an event sent when it happens,
//     about --rate events/s, 1 % of events late, 0.5 % of requests retried,
//     several sites (--tenant_keys) with skewed traffic. Each site's events
//     are batched per site: a request goes when it holds --batch events or its
//     first has waited --linger_ms.
//   compressed: the decay stress test (lib/loadgen/clickstream.h): simulated
//     days pass in seconds, one site; --rate=0 sends as fast as the windows
//     allow.
//   --dataset=taobao|rees46|uci --csv=FILE: a public dataset, in time order,
//     shifted to end before now; one site; --rate=0 as fast as possible.
//
//   kaiku_loadgen --addr=127.0.0.1:50051 --rate=50000 --duration=60
//                 --tenant_keys=k1,k2,k3 --subscribe --series=series.txt
//
// Every run is bounded by --duration and --max_events. The summary is printed
// to stdout as "key value" lines; progress goes to stderr. Exit status: 0
// when every sent event was acknowledged as stored, 1 otherwise, 2 usage.
#include <algorithm>
#include <cmath>
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
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/loadgen/clickstream.h"
#include "lib/loadgen/live_clickstream.h"
#include "lib/loadgen/visitor_script.h"
#include "lib/replay/dataset.h"
#include "tools/client/server_address.h"
#include "tools/loadgen/lanes.h"
#include "tools/loadgen/recorder.h"
#include "tools/loadgen/send_log.h"
#include "tools/loadgen/subscriber.h"

ABSL_FLAG(std::string, workload, "live",
          "live (realistic, real time) or compressed (the decay stress "
          "test); ignored with --dataset.");
ABSL_FLAG(double, rate, 0,
          "Events per second. live: about this many, at the moments they "
          "happen (required); compressed and datasets: on a fixed schedule, "
          "0 as fast as the windows allow.");
ABSL_FLAG(double, duration, 60, "Seconds to send for (at most 86400).");
ABSL_FLAG(int64_t, max_events, 0,
          "Send at most this many events (0: no "
          "limit but --duration).");
ABSL_FLAG(int, batch, 500, "Most events per request, 1..1000.");
ABSL_FLAG(double, linger_ms, 20,
          "live: a site's request goes at the latest this long after its "
          "first event.");
ABSL_FLAG(int, streams, 4,
          "PublishStream streams, each on its own channel; spread over the "
          "sites by traffic, at least one each.");
ABSL_FLAG(int, window, 8, "Requests in flight per stream, 1..64.");
ABSL_FLAG(std::string, tenant_keys, "",
          "live: comma-separated API keys, one per site (tenant); site i gets "
          "a share of the traffic proportional to 1/(i+1)^--tenant_skew. "
          "Default: one site, with --api_key.");
ABSL_FLAG(double, tenant_skew, 1.0, "See --tenant_keys.");
ABSL_FLAG(double, late_share, 0.01,
          "live: share of events sent late (after later events of their "
          "visitor).");
ABSL_FLAG(double, retry_share, 0.005,
          "Share of requests sent a second time, as a retrying client would.");
ABSL_FLAG(bool, subscribe, false,
          "Attach a score-stream subscriber (to the first site) and time "
          "event -> score event.");
ABSL_FLAG(int64_t, visitors, 200000,
          "compressed: synthetic visitors active at a time.");
ABSL_FLAG(double, start_days_ago, 30,
          "compressed: event times start this many days before now (and "
          "never pass now).");
ABSL_FLAG(int64_t, start_unix_seconds, 0,
          "compressed: event times start at this Unix time instead (two runs "
          "with the same --run_id, --seed and start send the same events: a "
          "server answers the second's as duplicates).");
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

// Where the events of the compressed and dataset workloads come from.
class Source {
 public:
  virtual ~Source() = default;
  // Whether every event has been taken.
  virtual bool exhausted() const = 0;
  // The next event; only when not exhausted.
  virtual void Next(kaiku::v1::Event* event, int64_t now_micros) = 0;
  virtual int64_t visitors_seen() const = 0;
};

class CompressedSource : public Source {
 public:
  explicit CompressedSource(const kaiku::loadgen::ClickstreamOptions& options)
      : stream_(options) {}
  bool exhausted() const override { return false; }
  void Next(kaiku::v1::Event* event, int64_t now_micros) override {
    stream_.Next(event);
    // Never in the future: a run faster than the simulated time catches up
    // with now.
    if (event->occurred_at().seconds() * 1000000 > now_micros) {
      event->mutable_occurred_at()->set_seconds(now_micros / 1000000);
      event->mutable_occurred_at()->set_nanos(
          static_cast<int32_t>(now_micros % 1000000) * 1000);
    }
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
  bool exhausted() const override { return next_ >= events_.size(); }
  void Next(kaiku::v1::Event* event, int64_t) override {
    *event = events_[next_++];
  }
  int64_t visitors_seen() const override { return visitors_; }

 private:
  std::vector<kaiku::v1::Event> events_;
  size_t next_ = 0;
  int64_t visitors_ = 0;
};

double Ms(int64_t micros) { return static_cast<double>(micros) / 1e3; }

void SleepUntil(int64_t monotonic_micros) {
  const int64_t now = MonotonicMicros();
  if (monotonic_micros > now) {
    std::this_thread::sleep_for(
        std::chrono::microseconds(monotonic_micros - now));
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kaiku_loadgen [--addr=HOST:PORT] --rate=N [--duration=S] "
      "[--tenant_keys=K1,K2,...] [--subscribe] "
      "[--workload=live|compressed | --dataset=taobao|rees46|uci --csv=FILE]");
  absl::ParseCommandLine(argc, argv);
  const double rate = absl::GetFlag(FLAGS_rate);
  const double duration = absl::GetFlag(FLAGS_duration);
  const int batch = absl::GetFlag(FLAGS_batch);
  const int window = absl::GetFlag(FLAGS_window);
  const int streams = absl::GetFlag(FLAGS_streams);
  const std::string workload = absl::GetFlag(FLAGS_workload);
  const bool replay = !absl::GetFlag(FLAGS_dataset).empty();
  const bool live = !replay && workload == "live";
  if (!(rate >= 0) || !(duration > 0 && duration <= 86400) || batch < 1 ||
      batch > 1000 || window < 1 || window > 64 || streams < 1 ||
      streams > 64 || absl::GetFlag(FLAGS_max_events) < 0 ||
      !(absl::GetFlag(FLAGS_linger_ms) >= 0) ||
      !(absl::GetFlag(FLAGS_retry_share) >= 0) ||
      !(absl::GetFlag(FLAGS_late_share) >= 0)) {
    std::cerr << "kaiku_loadgen: need --rate >= 0, --duration in (0, 86400], "
                 "--batch 1..1000, --window 1..64, --streams 1..64, "
                 "--max_events, --linger_ms, --late_share, --retry_share >= "
                 "0\n";
    return 2;
  }
  if (!replay && workload != "live" && workload != "compressed") {
    std::cerr << "kaiku_loadgen: --workload: live or compressed\n";
    return 2;
  }
  if (live && rate <= 0) {
    std::cerr << "kaiku_loadgen: --workload=live needs --rate > 0 (its "
                 "events happen in real time); --workload=compressed sends "
                 "as fast as it can\n";
    return 2;
  }
  std::vector<std::string> keys =
      absl::StrSplit(absl::GetFlag(FLAGS_tenant_keys), ',', absl::SkipEmpty());
  if (keys.empty()) keys.push_back(kaiku::client::ApiKey());
  if (!live) keys.resize(1);
  if (keys.size() > 64) {
    std::cerr << "kaiku_loadgen: --tenant_keys: at most 64 sites\n";
    return 2;
  }
  const std::string run_id =
      absl::GetFlag(FLAGS_run_id).empty()
          ? absl::StrCat("lg", absl::ToUnixSeconds(absl::Now()))
          : absl::GetFlag(FLAGS_run_id);
  kaiku::loadgen::VisitorMix mix;
  mix.run_id = run_id;
  mix.tenants = static_cast<int>(keys.size());
  mix.tenant_skew = absl::GetFlag(FLAGS_tenant_skew);

  // The live stream's time 0 (it is built warm, which takes a moment: its
  // events are shifted by that moment when they are sent).
  const int64_t stream_start = absl::ToUnixMicros(absl::Now());
  std::unique_ptr<Source> source;
  std::optional<kaiku::loadgen::LiveClickstream> stream;
  if (replay) {
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
  } else if (live) {
    kaiku::loadgen::LiveClickstreamOptions options;
    options.events_per_second = rate;
    options.start_micros = stream_start;
    options.end_micros = stream_start + static_cast<int64_t>(duration * 1e6);
    options.late_share = absl::GetFlag(FLAGS_late_share);
    options.seed = absl::GetFlag(FLAGS_seed);
    options.mix = mix;
    stream.emplace(options);
  } else {
    kaiku::loadgen::ClickstreamOptions options;
    options.visitors = std::max<int64_t>(absl::GetFlag(FLAGS_visitors), 1);
    options.seed = absl::GetFlag(FLAGS_seed);
    options.mix = mix;
    const int64_t start_seconds = absl::GetFlag(FLAGS_start_unix_seconds);
    options.start_micros =
        start_seconds > 0
            ? start_seconds * 1000000
            : absl::ToUnixMicros(
                  absl::Now() -
                  absl::Hours(24 * absl::GetFlag(FLAGS_start_days_ago)));
    source = std::make_unique<CompressedSource>(options);
  }

  const int64_t start = MonotonicMicros();
  const int64_t end = start + static_cast<int64_t>(duration * 1e6);
  const int64_t shift = absl::ToUnixMicros(absl::Now()) - stream_start;
  const std::string addr = kaiku::client::ServerAddress();
  kaiku::loadgen::Recorder recorder(start);
  kaiku::loadgen::SendLog send_log;
  std::optional<kaiku::loadgen::ScoreSubscriber> subscriber;
  if (absl::GetFlag(FLAGS_subscribe))
    subscriber.emplace(addr, keys[0], &recorder, &send_log);
  std::vector<kaiku::loadgen::Site> sites;
  const std::vector<double> shares = kaiku::loadgen::TenantShares(mix);
  for (size_t i = 0; i < keys.size(); ++i) {
    kaiku::loadgen::Site& site = sites.emplace_back();
    site.api_key = keys[i];
    site.streams =
        std::max(1, static_cast<int>(std::lround(streams * shares[i])));
    if (i == 0 && subscriber.has_value()) site.send_log = &send_log;
  }
  kaiku::loadgen::LaneOptions lane_options;
  lane_options.window = window;
  lane_options.batch = batch;
  lane_options.linger_micros =
      static_cast<int64_t>(absl::GetFlag(FLAGS_linger_ms) * 1000);
  lane_options.retry_share = absl::GetFlag(FLAGS_retry_share);
  lane_options.seed = absl::GetFlag(FLAGS_seed);
  kaiku::loadgen::Lanes lanes(addr, sites, lane_options, &recorder);
  std::cerr << absl::StrFormat(
      "kaiku_loadgen: %s to %s, %s for %.0f s, %d site(s), batches of up to "
      "%d (window %d per stream)\n",
      replay ? absl::GetFlag(FLAGS_dataset) : workload + " clickstream", addr,
      rate > 0 ? absl::StrFormat("%.0f events/s", rate) : "max rate", duration,
      keys.size(), batch, window);

  const int64_t max_events = absl::GetFlag(FLAGS_max_events) > 0
                                 ? absl::GetFlag(FLAGS_max_events)
                                 : INT64_MAX;
  int64_t made = 0;  // events taken from the workload
  int64_t next_progress = start + 10 * 1000000;
  bool ok = true;
  bool exhausted = false;
  while (ok && made < max_events && !exhausted) {
    const int64_t now = MonotonicMicros();
    if (now >= end) break;
    if (now >= next_progress) {
      next_progress += 10 * 1000000;
      const kaiku::loadgen::Tally t = recorder.tally();
      std::cerr << absl::StrFormat(
          "kaiku_loadgen: %4.0f s: %d events sent, %d stored, ack p99 %.1f "
          "ms\n",
          (now - start) / 1e6, t.sent, t.accepted + t.duplicate,
          Ms(recorder.ack_total().Percentile(0.99)));
    }
    if (live) {
      // Every event whose moment has come goes into its site's request.
      const kaiku::loadgen::LiveClickstream::Upcoming next = stream->Peek();
      const int64_t due = start + (next.send_micros - stream_start);
      if (due <= now) {
        ok = lanes.Add(next.tenant, due, [&](kaiku::v1::Event* e) {
          stream->Take(e);
          const int64_t at = e->occurred_at().seconds() * 1000000 +
                             e->occurred_at().nanos() / 1000 + shift;
          e->mutable_occurred_at()->set_seconds(at / 1000000);
          e->mutable_occurred_at()->set_nanos(
              static_cast<int32_t>(at % 1000000) * 1000);
        });
        ++made;
        continue;
      }
      int64_t lingering;
      ok = lanes.FlushLingering(now, &lingering);
      SleepUntil(std::min({due, lingering, end}));
      continue;
    }
    // Compressed and datasets: one request of `batch` events at a time, on a
    // fixed schedule when --rate is set.
    int64_t due = now;
    if (rate > 0) {
      due =
          start + static_cast<int64_t>(static_cast<double>(made) / rate * 1e6);
      if (due >= end) break;
      SleepUntil(due);
    }
    const int64_t wall = absl::ToUnixMicros(absl::Now());
    const int64_t n = std::min<int64_t>(batch, max_events - made);
    for (int64_t i = 0; i < n && ok; ++i) {
      if (source->exhausted()) {
        exhausted = true;
        break;
      }
      ok = lanes.Add(0, due,
                     [&](kaiku::v1::Event* e) { source->Next(e, wall); });
      ++made;
    }
    // The compressed stream and the datasets send whole requests.
    if (ok) ok = lanes.FlushAll();
  }
  if (ok) ok = lanes.FlushAll();
  if (!ok)
    std::cerr << "kaiku_loadgen: a stream failed: " << lanes.error() << "\n";
  const int64_t send_end = MonotonicMicros();
  lanes.Finish(absl::Seconds(absl::GetFlag(FLAGS_drain_seconds)));
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
      "e2e_p999_ms %.3f\ne2e_max_ms %.3f\nrequests %d\nrequests_retried %d\n"
      "events_retried %d\nsites %d\n",
      t.sent, t.accepted, t.duplicate, t.rejected, t.failed,
      (send_end - start) / 1e6, seconds,
      seconds > 0 ? static_cast<double>(stored) / seconds : 0.0,
      Ms(ack.Percentile(0.5)), Ms(ack.Percentile(0.99)),
      Ms(ack.Percentile(0.999)), Ms(ack.max()), t.score_events, e2e.count(),
      Ms(e2e.Percentile(0.5)), Ms(e2e.Percentile(0.99)),
      Ms(e2e.Percentile(0.999)), Ms(e2e.max()), lanes.requests(),
      lanes.retried_requests(), lanes.retried_events(), keys.size());
  if (live) {
    std::cout << absl::StrFormat(
        "visitors_seen %d\nvisitors_in_session_at_end %d\n"
        "returning_sessions %d\nevents_late %d\n",
        stream->visitors_seen(), stream->in_session(),
        stream->returning_sessions(), stream->late_events());
  } else {
    std::cout << absl::StrFormat("visitors_seen %d\n", source->visitors_seen());
  }
  if (!absl::GetFlag(FLAGS_series).empty() &&
      !recorder.WriteSeries(absl::GetFlag(FLAGS_series))) {
    std::cerr << "kaiku_loadgen: cannot write --series\n";
    return 1;
  }
  if (!lanes.error().empty())
    std::cerr << "kaiku_loadgen: " << lanes.error() << "\n";
  if (!subscriber_error.empty())
    std::cerr << "kaiku_loadgen: the subscription ended: " << subscriber_error
              << "\n";
  return t.rejected == 0 && t.failed == 0 && stored == t.sent ? 0 : 1;
}
