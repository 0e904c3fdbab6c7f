// Operations through the real kaikud: /metrics passes `promtool check metrics`
// and follows the events sent; a real Prometheus server scrapes it; the probes
// and grpc.health.v1 tell the truth through a SIGTERM drain; a checkpoint
// restores into a new data directory with the same timelines and score log.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "kaiku/v1/admin.grpc.pb.h"
#include "kaiku/v1/ingest.grpc.pb.h"
#include "kaiku/v1/scores.grpc.pb.h"
#include "tests/testing/http_get.h"
#include "tests/testing/kaikud_process.h"
#include "tests/testing/scenarios.h"
#include "tests/testing/temp_dir.h"

namespace kaiku {
namespace {

using ::kaiku::testing::EndingAt;
using ::kaiku::testing::HttpGet;
using ::kaiku::testing::HttpResponse;
using ::kaiku::testing::KaikudProcess;
using ::kaiku::testing::RunCommand;
using ::testing::HasSubstr;

constexpr char kPromtool[] = "/usr/bin/promtool";
constexpr char kPrometheus[] = "/usr/bin/prometheus";

// The value of one series ("name{labels}" exactly as exposed, labels in
// alphabetical order) in a text exposition; -1 when absent.
double Sample(const std::string& exposition, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (absl::ConsumePrefix(&line, series) && absl::ConsumePrefix(&line, " ")) {
      double value = -1;
      if (absl::SimpleAtod(line, &value)) return value;
    }
  }
  return -1;
}

std::string Scrape(const KaikudProcess& server) {
  absl::StatusOr<HttpResponse> r = HttpGet(server.metrics_port(), "/metrics");
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return "";
  EXPECT_EQ(r->status, 200);
  return r->body;
}

int Probe(const KaikudProcess& server, const std::string& path,
          std::string* body = nullptr) {
  absl::StatusOr<HttpResponse> r = HttpGet(server.metrics_port(), path);
  if (!r.ok()) return 0;
  if (body != nullptr) *body = r->body;
  return r->status;
}

grpc::health::v1::HealthCheckResponse::ServingStatus Health(
    const KaikudProcess& server, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(server.channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.status();
}

// The brief's buyer journeys, one request per `per_request` events.
std::vector<kaiku::v1::PublishRequest> Buyers(int n, const std::string& prefix,
                                              int per_request = 1000) {
  std::vector<kaiku::v1::PublishRequest> requests(1);
  for (int i = 0; i < n; ++i) {
    const kaiku::testing::Journey buyer =
        EndingAt(kaiku::testing::Buyer, absl::StrCat(prefix, i),
                 absl::Now() - absl::Minutes(1));
    for (const auto& e : buyer.events()) {
      if (requests.back().events_size() == per_request) requests.emplace_back();
      *requests.back().add_events() = e;
    }
  }
  return requests;
}

int Publish(const KaikudProcess& server,
            const std::vector<kaiku::v1::PublishRequest>& requests) {
  auto stub = kaiku::v1::Ingest::NewStub(server.channel());
  int accepted = 0;
  for (const auto& request : requests) {
    grpc::ClientContext context;
    kaiku::v1::PublishResponse response;
    grpc::Status status = stub->Publish(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    accepted += response.accepted_count();
  }
  return accepted;
}

// Every score event of the log, read until the first heartbeat (the
// server's heartbeat_interval must be short).
std::vector<kaiku::v1::ScoreEvent> ReadScoreLog(const KaikudProcess& server) {
  auto stub = kaiku::v1::Scores::NewStub(server.channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  kaiku::v1::SubscribeRequest request;
  request.set_from_earliest(true);
  auto reader = stub->Subscribe(&context, request);
  std::vector<kaiku::v1::ScoreEvent> events;
  kaiku::v1::ScoreEvent e;
  while (reader->Read(&e) &&
         e.kind() != kaiku::v1::SCORE_EVENT_KIND_HEARTBEAT) {
    events.push_back(e);
  }
  context.TryCancel();
  (void)reader->Finish();
  return events;
}

std::vector<std::string> Timeline(const KaikudProcess& server,
                                  const std::string& visitor,
                                  grpc::StatusCode* code = nullptr) {
  auto stub = kaiku::v1::Scores::NewStub(server.channel());
  grpc::ClientContext context;
  kaiku::v1::GetVisitorRequest request;
  request.set_visitor_id(visitor);
  request.set_timeline_page_size(1000);
  kaiku::v1::VisitorProfile profile;
  grpc::Status status = stub->GetVisitor(&context, request, &profile);
  if (code != nullptr) *code = status.error_code();
  std::vector<std::string> ids;
  for (const auto& e : profile.timeline()) ids.push_back(e.event_id());
  return ids;
}

class OpsTest : public ::testing::Test {
 protected:
  std::unique_ptr<KaikudProcess> Start(const std::string& data_dir,
                                       const std::string& config) {
    const std::string config_file = dir_.Sub("kaikud.textproto");
    std::ofstream(config_file) << config;
    auto p = KaikudProcess::Start(data_dir, {"--config=" + config_file});
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::move(p).value() : nullptr;
  }

  kaiku::testing::TempDir dir_;
};

TEST_F(OpsTest, MetricsPassPromtoolAndFollowTheEvents) {
  auto server =
      Start(dir_.Sub("data"),
            "score_stream { heartbeat_interval { nanos: 200000000 } }");
  ASSERT_NE(server, nullptr);
  const std::string idle = Scrape(*server);
  EXPECT_EQ(RunCommand({kPromtool, "check", "metrics"}, idle).exit_code, 0);
  // Every served method's series exist from the start, with zeros.
  EXPECT_EQ(Sample(idle,
                   "grpc_server_handled_total{grpc_code=\"Unavailable\","
                   "grpc_method=\"CreateCheckpoint\",grpc_service=\"kaiku.v1."
                   "Admin\",grpc_type=\"unary\"}"),
            0);
  EXPECT_EQ(Sample(idle,
                   "grpc_server_started_total{grpc_method=\"Subscribe\","
                   "grpc_service=\"kaiku.v1.Scores\",grpc_type=\"server_"
                   "stream\"}"),
            0);
  EXPECT_EQ(Sample(idle, "kaiku_ready"), 1);
  EXPECT_EQ(Sample(idle, "kaiku_storage_healthy"), 1);
  EXPECT_GT(Sample(idle, "process_resident_memory_bytes"), 0);
  EXPECT_GT(Sample(idle, "process_start_time_seconds"), 1.7e9);
  EXPECT_THAT(idle, HasSubstr("kaiku_build_info{"));
  EXPECT_THAT(idle, HasSubstr("kaiku_scoring_model_info{version=\""));

  // Two requests of buyers, one with an invalid event.
  std::vector<kaiku::v1::PublishRequest> requests = Buyers(5, "m-", 30);
  int sent = 0;
  for (const auto& r : requests) sent += r.events_size();
  kaiku::v1::PublishRequest bad;
  *bad.add_events() = requests[0].events(0);
  bad.mutable_events(0)->set_event_id("bad-url");
  bad.mutable_events(0)->clear_visitor_id();
  requests.push_back(bad);
  ASSERT_EQ(Publish(*server, requests), sent);
  std::vector<kaiku::v1::ScoreEvent> log = ReadScoreLog(*server);
  ASSERT_FALSE(log.empty());

  const std::string busy = Scrape(*server);
  EXPECT_EQ(RunCommand({kPromtool, "check", "metrics"}, busy).exit_code, 0);
  EXPECT_EQ(Sample(busy, "kaiku_ingest_events_total{outcome=\"accepted\"}"),
            sent);
  EXPECT_EQ(Sample(busy, "kaiku_ingest_events_total{outcome=\"rejected\"}"), 1);
  EXPECT_EQ(
      Sample(busy, "kaiku_ingest_rejected_events_total{field=\"visitor_id\"}"),
      1);
  EXPECT_EQ(Sample(busy, "kaiku_ingest_batches_total"), requests.size());
  EXPECT_EQ(Sample(busy, "kaiku_ingest_ack_latency_seconds_count"),
            requests.size());
  EXPECT_EQ(Sample(busy,
                   "grpc_server_handled_total{grpc_code=\"OK\",grpc_method="
                   "\"Publish\",grpc_service=\"kaiku.v1.Ingest\",grpc_type="
                   "\"unary\"}"),
            requests.size());
  double score_events = 0;
  for (const char* kind : {"level_changed", "trigger_fired", "segment_changed",
                           "stage_changed", "disqualified"}) {
    score_events += Sample(
        busy,
        absl::StrCat("kaiku_scoring_score_events_total{kind=\"", kind, "\"}"));
  }
  EXPECT_EQ(score_events, log.size());
  // A buyer split between two requests publishes its second part as of now
  // (the time rule), so count what the log says rather than assume a path.
  int cold_to_warm = 0;
  for (const kaiku::v1::ScoreEvent& e : log) {
    cold_to_warm += e.kind() == kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED &&
                    e.previous_level() == kaiku::v1::LEVEL_COLD &&
                    e.level() == kaiku::v1::LEVEL_WARM;
  }
  EXPECT_GE(cold_to_warm, 3);
  EXPECT_EQ(Sample(busy,
                   "kaiku_scoring_level_transitions_total{from=\"cold\","
                   "to=\"warm\"}"),
            cold_to_warm);
  EXPECT_EQ(Sample(busy, "kaiku_scoring_cached_visitors"), 5);
  EXPECT_EQ(Sample(busy, "kaiku_score_stream_delivered_events_total"),
            log.size());
  EXPECT_GT(Sample(busy, "kaiku_rocksdb_user_written_bytes_total"), 0);
  EXPECT_GT(
      Sample(busy, "kaiku_rocksdb_memtable_bytes{column_family=\"events\"}"),
      0);

  // The built-in model has no file to reload: a failed reload is counted.
  EXPECT_EQ(RunCommand({kaiku::testing::KaikuctlPath(), "reload-model",
                        "--addr", server->address()},
                       "")
                .exit_code,
            1);
  EXPECT_EQ(Sample(Scrape(*server),
                   "kaiku_scoring_model_reloads_total{result=\"failed\"}"),
            1);
}

TEST_F(OpsTest, DashboardAndAlertsUseOnlyExportedMetrics) {
  auto server = Start(dir_.Sub("data"), "");
  ASSERT_NE(server, nullptr);
  // Families with labels from traffic (trigger names, rejected fields) appear
  // with their first series.
  std::vector<kaiku::v1::PublishRequest> requests = Buyers(1, "x-");
  kaiku::v1::PublishRequest bad;
  *bad.add_events() = requests[0].events(0);
  bad.mutable_events(0)->clear_visitor_id();
  requests.push_back(bad);
  Publish(*server, requests);
  const std::string exposition = Scrape(*server);
  std::set<std::string> exported;
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (absl::ConsumePrefix(&line, "# TYPE ")) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      exported.insert(parts[0]);
      if (parts.size() > 1 && parts[1] == "histogram") {
        for (const char* suffix : {"_bucket", "_count", "_sum"})
          exported.insert(parts[0] + suffix);
      }
    }
  }
  for (const char* file : {"deploy/prometheus/alerts.yml",
                           "deploy/grafana/dashboards/kaiku.json"}) {
    std::ifstream in(std::string(KAIKU_SOURCE_DIR) + "/" + file);
    ASSERT_TRUE(in) << file;
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    const std::regex name(R"((kaiku|grpc_server|process)_[a-z_]+)");
    int found = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), name);
         it != std::sregex_iterator(); ++it) {
      ++found;
      EXPECT_TRUE(exported.count(it->str()))
          << file << " uses " << it->str() << ", which kaikud does not export";
    }
    EXPECT_GT(found, 5) << file;
  }
}

// A child process killed when the object goes away.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

 private:
  pid_t pid_;
};

TEST_F(OpsTest, PrometheusServerScrapesTheIngestCounter) {
  auto server = Start(dir_.Sub("data"), "");
  ASSERT_NE(server, nullptr);
  const int sent = Publish(*server, Buyers(3, "p-"));
  ASSERT_GT(sent, 0);

  const int port = kaiku::testing::FreeLoopbackPort();
  std::ofstream(dir_.Sub("prometheus.yml"))
      << "global:\n  scrape_interval: 1s\n"
      << "scrape_configs:\n  - job_name: kaikud\n    static_configs:\n"
      << "      - targets: ['127.0.0.1:" << server->metrics_port() << "']\n";
  Child prometheus({kPrometheus, "--config.file=" + dir_.Sub("prometheus.yml"),
                    "--storage.tsdb.path=" + dir_.Sub("tsdb"),
                    absl::StrCat("--web.listen-address=127.0.0.1:", port),
                    "--log.level=warn"});
  // Polled with a bound: Prometheus starts, scrapes every second.
  const std::string query =
      "/api/v1/query?query=kaiku_ingest_events_total%7Boutcome%3D%22accepted%"
      "22%7D";
  std::string last;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  double value = -1;
  while (absl::Now() < deadline && value != sent) {
    absl::SleepFor(absl::Milliseconds(250));
    absl::StatusOr<HttpResponse> r = HttpGet(port, query);
    if (!r.ok() || r->status != 200) continue;
    last = r->body;
    google::protobuf::Struct body;
    if (!google::protobuf::util::JsonStringToMessage(r->body, &body).ok())
      continue;
    const auto& result =
        body.fields().at("data").struct_value().fields().at("result");
    if (result.list_value().values_size() != 1) continue;
    const auto& sample =
        result.list_value().values(0).struct_value().fields().at("value");
    (void)absl::SimpleAtod(sample.list_value().values(1).string_value(),
                           &value);
  }
  EXPECT_EQ(value, sent) << "last answer: " << last;
}

TEST_F(OpsTest, ProbesTellTheTruthThroughASigtermDrain) {
  auto server = Start(dir_.Sub("data"), "shutdown_grace { seconds: 60 }");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Probe(*server, "/healthz"), 200);
  EXPECT_EQ(Probe(*server, "/readyz"), 200);
  EXPECT_EQ(Health(*server, ""),
            grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(*server, "kaiku.v1.Ingest"),
            grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(*server, "liveness"),
            grpc::health::v1::HealthCheckResponse::SERVING);

  // An open publish stream holds the drain.
  auto stub = kaiku::v1::Ingest::NewStub(server->channel());
  grpc::ClientContext context;
  auto stream = stub->PublishStream(&context);
  std::vector<kaiku::v1::PublishRequest> requests = Buyers(2, "d-");
  kaiku::v1::PublishResponse response;
  ASSERT_TRUE(stream->Write(requests[0]));
  ASSERT_TRUE(stream->Read(&response));

  server->Signal(SIGTERM);
  std::string body;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline && Probe(*server, "/readyz", &body) != 503) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(Probe(*server, "/readyz", &body), 503);
  EXPECT_THAT(body, HasSubstr("draining"));
  EXPECT_EQ(Probe(*server, "/healthz"), 200);
  EXPECT_EQ(Sample(Scrape(*server), "kaiku_ready"), 0);

  // The open call still gets its events stored and acknowledged.
  kaiku::v1::PublishRequest late;
  *late.add_events() = requests[0].events(0);
  late.mutable_events(0)->set_event_id("sent-while-draining");
  ASSERT_TRUE(stream->Write(late));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.accepted_count(), 1);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(server->Terminate(), 0);

  server = Start(dir_.Sub("data"), "");
  ASSERT_NE(server, nullptr);
  EXPECT_THAT(Timeline(*server, requests[0].events(0).visitor_id()),
              ::testing::Contains("sent-while-draining"));
}

TEST_F(OpsTest, CheckpointRestoresIntoANewDataDirectory) {
  const std::string config =
      "score_stream { heartbeat_interval { nanos: 200000000 } }";
  auto server = Start(dir_.Sub("a"), config);
  ASSERT_NE(server, nullptr);
  ASSERT_GT(Publish(*server, Buyers(4, "before-")), 0);
  const std::vector<kaiku::v1::ScoreEvent> log = ReadScoreLog(*server);
  ASSERT_FALSE(log.empty());
  std::vector<std::vector<std::string>> timelines;
  for (int i = 0; i < 4; ++i)
    timelines.push_back(Timeline(*server, absl::StrCat("before-", i)));

  kaiku::testing::CommandResult made =
      RunCommand({kaiku::testing::KaikuctlPath(), "checkpoint", "nightly",
                  "--addr", server->address()},
                 "");
  ASSERT_EQ(made.exit_code, 0);
  const std::string path = dir_.Sub("a") + "/checkpoints/nightly";
  EXPECT_THAT(made.out, HasSubstr(path));
  // The same name again is refused.
  EXPECT_EQ(RunCommand({kaiku::testing::KaikuctlPath(), "checkpoint", "nightly",
                        "--addr", server->address()},
                       "")
                .exit_code,
            1);
  // Writes after the checkpoint are not in it.
  ASSERT_GT(Publish(*server, Buyers(2, "after-")), 0);
  EXPECT_EQ(server->Terminate(), 0);

  // Restore: the checkpoint becomes the db of a new data directory.
  std::filesystem::create_directories(dir_.Sub("b"));
  std::filesystem::rename(path, dir_.Sub("b") + "/db");
  server = Start(dir_.Sub("b"), config);
  ASSERT_NE(server, nullptr);
  const std::vector<kaiku::v1::ScoreEvent> restored = ReadScoreLog(*server);
  ASSERT_EQ(restored.size(), log.size());
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(restored[i].SerializeAsString(), log[i].SerializeAsString())
        << "at " << i;
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Timeline(*server, absl::StrCat("before-", i)), timelines[i]);
  }
  grpc::StatusCode code;
  Timeline(*server, "after-0", &code);
  EXPECT_EQ(code, grpc::StatusCode::NOT_FOUND);
  // The restored server goes on: new entries continue the sequence.
  ASSERT_GT(Publish(*server, Buyers(1, "later-")), 0);
  const std::vector<kaiku::v1::ScoreEvent> grown = ReadScoreLog(*server);
  ASSERT_GT(grown.size(), log.size());
  EXPECT_EQ(grown[log.size()].id(), absl::StrCat(log.size() + 1));
}

}  // namespace
}  // namespace kaiku
