// kaiku_baseline: writes the load generator's synthetic clickstream (the same
// workload, seed and --rate give the same events as kaiku_loadgen) into a
// baseline store, as fast as it acknowledges, and prints what a client sees.
// The live workload's events are written as fast as the store takes them, not
// at their moments: the store sees the same keys and values, sooner. The
// harness (tools/run_benchmark.sh) reads the server's CPU from /proc around it.
//
//   kaiku_baseline --target=rocksdb --path=/tmp/raw --duration=60
//   kaiku_baseline --target=redis --redis_port=6380 --duration=60
//   kaiku_baseline --target=postgres --pg="host=127.0.0.1 port=5433 ..."
//
// Targets: rocksdb (Kaiku's timeline keys), rocksdb-day-bucketed,
// rocksdb-time-first, rocksdb-log-index (the key layouts of rocksdb_writer.h),
// redis, postgres, and none (only makes the events: what that costs is part of
// the rocksdb targets' own CPU). Summary on stdout as "key value" lines, like
// kaiku_loadgen's. Exit status: 0 when every write succeeded, 1 otherwise,
// 2 usage.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "kaiku/storage/v1/records.pb.h"
#include "lib/loadgen/clickstream.h"
#include "lib/loadgen/latency_histogram.h"
#include "lib/loadgen/live_clickstream.h"
#include "lib/loadgen/monotonic.h"
#include "tools/baselines/postgres_writer.h"
#include "tools/baselines/redis_writer.h"
#include "tools/baselines/rocksdb_writer.h"

ABSL_FLAG(
    std::string, target, "",
    "rocksdb, rocksdb-day-bucketed, rocksdb-time-first, rocksdb-log-index, "
    "redis, postgres or "
    "none. Required.");
ABSL_FLAG(std::string, path, "", "Database directory for the rocksdb targets.");
ABSL_FLAG(int, redis_port, 6379, "Redis on 127.0.0.1 at this port.");
ABSL_FLAG(std::string, pg, "", "libpq connection string for postgres.");
ABSL_FLAG(double, duration, 60, "Seconds to write for (at most 86400).");
ABSL_FLAG(int64_t, max_events, 0, "Write at most this many (0: no limit).");
ABSL_FLAG(int, batch, 100, "Records per write (pipeline, transaction).");
ABSL_FLAG(int, connections, 1, "Writers, each on its own thread/connection.");
ABSL_FLAG(std::string, workload, "live",
          "live or compressed, as kaiku_loadgen's --workload.");
ABSL_FLAG(double, rate, 100000,
          "live: the rate kaiku_loadgen --rate would send the events at "
          "(it sets the number of visitors in a session at once).");
ABSL_FLAG(int, tenants, 1, "live: sites, as kaiku_loadgen's --tenant_keys.");
ABSL_FLAG(int64_t, visitors, 200000,
          "compressed: synthetic visitors active at a time.");
ABSL_FLAG(uint32_t, seed, 1, "Seed of the synthetic clickstream.");
ABSL_FLAG(std::string, run_id, "lg", "Prefix of event and visitor ids.");

namespace {

using ::kaiku::baselines::Record;
using ::kaiku::baselines::Writer;
using ::kaiku::loadgen::MonotonicMicros;

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

// --target=none: the events are made and dropped, to measure what making
// them costs the client.
class NullWriter : public Writer {
 public:
  absl::Status Write(absl::Span<const Record>) override {
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<Writer>> Open(const std::string& target,
                                             int index) {
  if (target == "none") return std::make_unique<NullWriter>();
  using ::kaiku::baselines::KeyLayout;
  if (target == "rocksdb" || target == "rocksdb-day-bucketed" ||
      target == "rocksdb-time-first" || target == "rocksdb-log-index") {
    if (index > 0)
      return absl::InvalidArgumentError("rocksdb: one connection only");
    return kaiku::baselines::OpenRocksDbWriter(
        absl::GetFlag(FLAGS_path),
        target == "rocksdb"                ? KeyLayout::kVisitorFirst
        : target == "rocksdb-day-bucketed" ? KeyLayout::kDayBucketed
        : target == "rocksdb-time-first"   ? KeyLayout::kTimeFirst
                                           : KeyLayout::kLogAndIndex);
  }
  if (target == "redis")
    return kaiku::baselines::OpenRedisWriter("127.0.0.1",
                                             absl::GetFlag(FLAGS_redis_port));
  if (target == "postgres")
    return kaiku::baselines::OpenPostgresWriter(absl::GetFlag(FLAGS_pg));
  return absl::InvalidArgumentError(
      absl::StrCat("--target: unknown target \"", target, "\""));
}

// The shared event stream: each writer takes its next batch under the lock.
class Feed {
 public:
  Feed(const kaiku::loadgen::ClickstreamOptions& options, int64_t max_events)
      : compressed_(std::in_place, options), left_(max_events) {}
  Feed(const kaiku::loadgen::LiveClickstreamOptions& options,
       int64_t max_events)
      : live_(std::in_place, options), left_(max_events) {}
  // False when the limit is reached.
  bool Take(size_t n, int64_t received_at, std::vector<Record>& out) {
    absl::MutexLock lock(&mu_);
    out.resize(std::min<int64_t>(static_cast<int64_t>(n), left_));
    left_ -= static_cast<int64_t>(out.size());
    for (Record& r : out) {
      int tenant = 0;
      if (live_.has_value()) {
        tenant = live_->Peek().tenant;
        live_->Take(&event_);
      } else {
        compressed_->Next(&event_);
      }
      r.tenant = tenant == 0 ? "default" : absl::StrCat("site", tenant);
      r.visitor_id = event_.visitor_id();
      r.event_id = event_.event_id();
      r.occurred_micros = event_.occurred_at().seconds() * 1000000 +
                          event_.occurred_at().nanos() / 1000;
      record_.Clear();
      *record_.mutable_event() = event_;
      record_.set_received_at_micros(received_at);
      record_.SerializeToString(&r.payload);
    }
    return !out.empty();
  }

 private:
  absl::Mutex mu_;
  std::optional<kaiku::loadgen::SyntheticClickstream> compressed_
      ABSL_GUARDED_BY(mu_);
  std::optional<kaiku::loadgen::LiveClickstream> live_ ABSL_GUARDED_BY(mu_);
  int64_t left_ ABSL_GUARDED_BY(mu_);
  kaiku::v1::Event event_ ABSL_GUARDED_BY(mu_);
  kaiku::storage::v1::TimelineRecord record_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kaiku_baseline --target=rocksdb|rocksdb-day-bucketed|rocksdb-time-first|"
      "rocksdb-log-index|"
      "redis|postgres|none "
      "[--duration=S]");
  absl::ParseCommandLine(argc, argv);
  const std::string target = absl::GetFlag(FLAGS_target);
  const double duration = absl::GetFlag(FLAGS_duration);
  const int batch = absl::GetFlag(FLAGS_batch);
  const int connections = absl::GetFlag(FLAGS_connections);
  if (!(duration > 0 && duration <= 86400) || batch < 1 || batch > 100000 ||
      connections < 1 || connections > 64) {
    std::cerr << "kaiku_baseline: need --duration in (0, 86400], --batch "
                 "1..100000, --connections 1..64\n";
    return 2;
  }
  if (target == "postgres") {
    absl::Status s =
        kaiku::baselines::CreatePostgresTables(absl::GetFlag(FLAGS_pg));
    if (!s.ok()) {
      std::cerr << "kaiku_baseline: " << s.message() << "\n";
      return 1;
    }
  }
  std::vector<std::unique_ptr<Writer>> writers;
  for (int i = 0; i < connections; ++i) {
    absl::StatusOr<std::unique_ptr<Writer>> w = Open(target, i);
    if (!w.ok()) {
      std::cerr << "kaiku_baseline: " << w.status().message() << "\n";
      return w.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
    }
    writers.push_back(*std::move(w));
  }

  const int64_t max_events = absl::GetFlag(FLAGS_max_events) > 0
                                 ? absl::GetFlag(FLAGS_max_events)
                                 : INT64_MAX;
  kaiku::loadgen::VisitorMix mix;
  mix.run_id = absl::GetFlag(FLAGS_run_id);
  mix.tenants = std::clamp(absl::GetFlag(FLAGS_tenants), 1, 64);
  std::optional<Feed> feed;
  if (absl::GetFlag(FLAGS_workload) == "live") {
    kaiku::loadgen::LiveClickstreamOptions options;
    options.events_per_second = std::max(absl::GetFlag(FLAGS_rate), 1.0);
    options.start_micros = absl::ToUnixMicros(absl::Now());
    options.seed = absl::GetFlag(FLAGS_seed);
    options.mix = mix;
    feed.emplace(options, max_events);
  } else if (absl::GetFlag(FLAGS_workload) == "compressed") {
    kaiku::loadgen::ClickstreamOptions options;
    options.visitors = std::max<int64_t>(absl::GetFlag(FLAGS_visitors), 1);
    options.seed = absl::GetFlag(FLAGS_seed);
    options.mix = mix;
    options.start_micros =
        absl::ToUnixMicros(absl::Now() - absl::Hours(24 * 30));
    feed.emplace(options, max_events);
  } else {
    std::cerr << "kaiku_baseline: --workload: live or compressed\n";
    return 2;
  }

  const double cpu_before = ProcessCpuSeconds();
  const int64_t start = MonotonicMicros();
  const int64_t end = start + static_cast<int64_t>(duration * 1e6);
  std::atomic<int64_t> written{0};
  std::atomic<bool> failed{false};
  absl::Mutex mu;
  kaiku::loadgen::LatencyHistogram latency;
  std::vector<std::thread> threads;
  for (auto& writer : writers) {
    threads.emplace_back([&, w = writer.get()] {
      std::vector<Record> records;
      kaiku::loadgen::LatencyHistogram mine;
      while (!failed.load() && MonotonicMicros() < end &&
             feed->Take(static_cast<size_t>(batch),
                        absl::ToUnixMicros(absl::Now()), records)) {
        const int64_t t0 = MonotonicMicros();
        absl::Status s = w->Write(records);
        if (!s.ok()) {
          std::cerr << "kaiku_baseline: " << s.message() << "\n";
          failed.store(true);
          break;
        }
        mine.Record(MonotonicMicros() - t0);
        written.fetch_add(static_cast<int64_t>(records.size()));
      }
      absl::MutexLock lock(&mu);
      latency.Add(mine);
    });
  }
  for (std::thread& t : threads) t.join();
  const double seconds = (MonotonicMicros() - start) / 1e6;
  const double cpu = ProcessCpuSeconds() - cpu_before;
  writers.clear();  // closes the stores
  std::cout << absl::StrFormat(
      "target %s\nevents_written %d\nseconds %.3f\nevents_per_second %.0f\n"
      "ack_p50_ms %.3f\nack_p99_ms %.3f\nack_p999_ms %.3f\n"
      "client_cpu_seconds %.3f\n",
      target, written.load(), seconds, written.load() / seconds,
      latency.Percentile(0.5) / 1e3, latency.Percentile(0.99) / 1e3,
      latency.Percentile(0.999) / 1e3, cpu);
  return failed.load() ? 1 : 0;
}
