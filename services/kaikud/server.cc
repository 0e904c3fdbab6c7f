#include "services/kaikud/server.h"

#include <atomic>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "lib/auth/authenticator.h"
#include "lib/common/logging.h"
#include "lib/common/status_macros.h"
#include "lib/common/thread_pool.h"
#include "lib/config/server_config.h"
#include "lib/events/validation.h"
#include "lib/ingest/journal.h"
#include "lib/ingest/live_state_store.h"
#include "lib/ingest/pipeline.h"
#include "lib/metrics/http_endpoint.h"
#include "lib/metrics/kaikud_metrics.h"
#include "lib/scorelog/hub.h"
#include "lib/scorelog/kafka_sink.h"
#include "lib/scoring/page_values.h"
#include "lib/storage/store.h"
#include "services/kaikud/admin_service.h"
#include "services/kaikud/grpc_metrics.h"
#include "services/kaikud/ingest_service.h"
#include "services/kaikud/maintenance.h"
#include "services/kaikud/metrics_collector.h"
#include "services/kaikud/model_reloader.h"
#include "services/kaikud/privacy_service.h"
#include "services/kaikud/publisher.h"
#include "services/kaikud/scores_service.h"

namespace kaiku::kaikud {
namespace {

using ::kaiku::config::ToAbslDuration;
using ::kaiku::config::v1::ServerConfig;

// Threads for blocking reads (GetVisitor, ListLeads, ForgetVisitor,
// ReloadModel).
constexpr int kReadThreads = 2;

// The gRPC services kaikud serves (besides health and reflection).
const char* const kServices[] = {"kaiku.v1.Ingest", "kaiku.v1.Scores",
                                 "kaiku.v1.Privacy", "kaiku.v1.Admin"};

// The grpc.health.v1 service name that stays SERVING while kaikud drains and
// turns NOT_SERVING only on a storage failure: a liveness probe's, where the
// empty name (and each service's) is the readiness probe's.
constexpr char kLivenessService[] = "liveness";

// Writes `contents` to `path` atomically (temp file + rename), so a reader
// never sees a partial port number.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& contents) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << contents;
    if (!out.flush())
      return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return absl::UnavailableError(
        absl::StrCat("cannot rename ", tmp, ": ", ec.message()));
  return absl::OkStatus();
}

class ServerImpl : public Server {
 public:
  explicit ServerImpl(const ServerConfig& config) : config_(config) {}

  ~ServerImpl() override { Shutdown(); }

  absl::Status Init() {
    std::error_code ec;
    std::filesystem::create_directories(config_.data_dir(), ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat(
          "cannot create data_dir ", config_.data_dir(), ": ", ec.message()));
    }
    // The probes answer from the start: alive, not ready while the store
    // opens (which can take long after a crash).
    RETURN_IF_ERROR(StartMetricsEndpoint());
    if (config_.keys_file().empty()) {
      authenticator_ = std::make_unique<auth::Authenticator>(
          auth::Authenticator::AllowAll());
      LOG(WARNING) << "no keys_file: one tenant \"" << auth::kDefaultTenant
                   << "\" without authentication (loopback only)";
    } else {
      ASSIGN_OR_RETURN(auth::Authenticator a,
                       auth::Authenticator::FromKeyFile(config_.keys_file()));
      authenticator_ = std::make_unique<auth::Authenticator>(std::move(a));
    }

    ASSIGN_OR_RETURN(model_, ModelReloader::Load(config_.model_file()));
    metrics_.SetModelVersion(model_->current()->Get()->version());
    model_->SetListener([this](bool ok, const std::string& version) {
      metrics_.model_reloads(ok).Increment();
      if (ok) metrics_.SetModelVersion(version);
    });

    storage::StoreOptions store_options;
    store_options.max_future_skew = ToAbslDuration(config_.max_future_skew());
    store_options.path =
        (std::filesystem::path(config_.data_dir()) / "db").string();
    store_options.block_cache_bytes = config_.storage().block_cache_bytes();
    store_options.write_buffer_bytes = config_.storage().write_buffer_bytes();
    store_options.retention = ToAbslDuration(config_.retention());
    if (config_.has_dedupe_window()) {
      LOG(WARNING) << "dedupe_window is no longer used (a retry is recognized "
                      "for as long as its event is retained); ignoring it";
    }
    ASSIGN_OR_RETURN(store_, storage::Store::Open(store_options));
    // Visitor states a crash left behind their journal are brought up to
    // date before anything reads or changes them.
    absl::StatusOr<ingest::ReplayStats> recovered =
        ingest::RecoverFromJournal(*store_);
    if (!recovered.ok()) {
      return absl::Status(
          recovered.status().code(),
          absl::StrCat("recovering visitor states from the journal: ",
                       recovered.status().message()));
    }
    if (recovered->records > 0) {
      LOG(INFO) << "recovered " << recovered->visitors
                << " visitor states from " << recovered->records
                << " journal records";
    }
    const auto& stream = config_.score_stream();
    hub_ = std::make_unique<scorelog::ScoreLogHub>(
        store_.get(), static_cast<size_t>(stream.recent_entries()));
    store_->SetScoreLogListener(
        [hub = hub_.get()](
            const std::vector<storage::CommittedScoreEvent>& entries) {
          hub->OnCommitted(entries);
        });
    if (!config_.kafka_sink().brokers().empty()) {
      scorelog::KafkaSinkOptions kafka;
      kafka.brokers = config_.kafka_sink().brokers();
      if (!config_.kafka_sink().topic().empty())
        kafka.topic = config_.kafka_sink().topic();
      for (const auto& [name, value] : config_.kafka_sink().properties())
        kafka.properties.emplace_back(name, value);
      ASSIGN_OR_RETURN(kafka_sink_,
                       scorelog::KafkaSink::Start(store_.get(), kafka));
      LOG(INFO) << "producing the score stream to Kafka topic " << kafka.topic
                << " at " << kafka.brokers;
    }
    scorelog::RetentionOptions retention;
    retention.max_age = ToAbslDuration(stream.retention());
    retention.max_entries =
        static_cast<uint64_t>(stream.max_entries_per_tenant());
    maintenance_ = std::make_unique<Maintenance>(
        store_.get(), hub_.get(), Clock::Real(), retention,
        ToAbslDuration(stream.retention_interval()),
        std::min(ToAbslDuration(stream.heartbeat_interval()) / 2,
                 absl::Seconds(1)));

    ingest::PipelineOptions pipeline_options;
    pipeline_options.shards = config_.ingest().shards();
    pipeline_options.max_queued_events = config_.ingest().max_queued_events();
    pipeline_options.max_batch_events = config_.ingest().max_batch_events();
    pipeline_options.sync = config_.durability() == "fsync";
    pipeline_options.model = model_->current();
    pipeline_options.page_values = &page_values_;
    pipeline_options.state_cache_bytes = config_.scoring().state_cache_bytes();
    pipeline_options.state_write_delay =
        ToAbslDuration(config_.scoring().state_write_delay());
    pipeline_options.on_score_events =
        [this](const ingest::ScoreEventTally& tally) {
          CountScoreEvents(tally, metrics_);
        };
    // A failed write means the disk is full, read-only or failing: stop
    // attracting traffic. RocksDB stays read-only after such an error, so this
    // lasts until a restart.
    pipeline_options.on_storage_error = [this](const absl::Status& s) {
      if (!storage_failed_.exchange(true)) {
        LOG(ERROR) << "storage failed; health is NOT_SERVING until restart: "
                   << s;
        SetHealth();
      }
    };
    pipeline_ = std::make_unique<ingest::IngestPipeline>(store_.get(),
                                                         pipeline_options);

    events::ValidationOptions validation;
    validation.retention = ToAbslDuration(config_.retention());
    validation.max_future_skew = ToAbslDuration(config_.max_future_skew());
    publisher_ = std::make_unique<Publisher>(pipeline_.get(), Clock::Real(),
                                             validation, &metrics_);
    reads_ = std::make_unique<ThreadPool>(kReadThreads);
    ingest_service_ =
        std::make_unique<IngestService>(authenticator_.get(), publisher_.get());
    SubscribeContext subscribe;
    subscribe.store = store_.get();
    subscribe.hub = hub_.get();
    subscribe.reads = reads_.get();
    subscribe.clock = Clock::Real();
    subscribe.heartbeat_interval = ToAbslDuration(stream.heartbeat_interval());
    subscribe.stats = &stream_stats_;
    live_states_ =
        std::make_unique<ingest::LiveStateStore>(store_.get(), pipeline_.get());
    scores_service_ = std::make_unique<ScoresService>(
        authenticator_.get(), live_states_.get(), model_->current(),
        Clock::Real(), reads_.get(), subscribe);
    const std::string checkpoint_dir =
        (std::filesystem::path(config_.data_dir()) / "checkpoints").string();
    admin_service_ = std::make_unique<AdminService>(
        authenticator_.get(), model_.get(), store_.get(), checkpoint_dir,
        reads_.get());
    PrivacyContext privacy;
    privacy.authenticator = authenticator_.get();
    privacy.pipeline = pipeline_.get();
    privacy.store = store_.get();
    privacy.hub = hub_.get();
    privacy.kafka_sink = kafka_sink_.get();
    privacy.work = reads_.get();
    privacy.checkpoint_dir = checkpoint_dir;
    privacy_service_ = std::make_unique<PrivacyService>(std::move(privacy));

    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(config_.listen(),
                             grpc::InsecureServerCredentials(), &port_);
    builder.SetMaxReceiveMessageSize(
        static_cast<int>(events::kMaxRequestBytes));
    // Long-lived streams behind load balancers: ping idle connections, and let
    // clients ping every 10 s without being disconnected for it.
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60 * 1000);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    builder.AddChannelArgument(
        GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10 * 1000);
    builder.RegisterService(ingest_service_.get());
    builder.RegisterService(scores_service_.get());
    builder.RegisterService(privacy_service_.get());
    builder.RegisterService(admin_service_.get());
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    std::vector<std::string> measured(std::begin(kServices),
                                      std::end(kServices));
    // gRPC's built-in health service; naming it through the generated
    // descriptor also links that descriptor in.
    measured.push_back(grpc::health::v1::HealthCheckRequest::descriptor()
                           ->file()
                           ->service(0)
                           ->full_name());
    interceptors.push_back(std::make_unique<GrpcMetrics>(&metrics_, measured));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", config_.listen()));
    }
    sources_.store = store_.get();
    sources_.pipeline = pipeline_.get();
    sources_.queue_capacity = config_.ingest().max_queued_events();
    sources_.streams = &stream_stats_;
    sources_.kafka_sink = kafka_sink_.get();
    sources_ready_.store(true, std::memory_order_release);
    phase_.store(Phase::kServing);
    SetHealth();
    RETURN_IF_ERROR(WriteFileAtomically(
        (std::filesystem::path(config_.data_dir()) / "kaikud.port").string(),
        absl::StrCat(port_, "\n")));
    LOG(INFO) << "kaikud serving gRPC on port " << port_ << " (listen "
              << config_.listen() << "), data_dir " << config_.data_dir()
              << ", durability " << config_.durability();
    return absl::OkStatus();
  }

  int port() const override { return port_; }

  absl::StatusOr<std::string> ReloadModel() override {
    ASSIGN_OR_RETURN(ModelReloader::Reloaded reloaded, model_->Reload());
    return reloaded.version;
  }

  void Shutdown() override {
    if (shut_down_ || server_ == nullptr) return;
    shut_down_ = true;
    phase_.store(Phase::kDraining);
    SetHealth();
    // Score streams never end by themselves: end them now (clients resume
    // after their last cursor); publish calls get the grace period.
    hub_->Close();
    absl::Duration grace = ToAbslDuration(config_.shutdown_grace());
    LOG(INFO) << "shutting down: draining calls for up to " << grace;
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoSeconds(grace));
    server_->Wait();
    // The figures' sources stop next.
    endpoint_.reset();
    reads_->Stop();
    pipeline_->Stop();
    maintenance_.reset();
    kafka_sink_.reset();
    absl::Status flushed = store_->Flush();
    if (!flushed.ok()) LOG(ERROR) << "flush at shutdown failed: " << flushed;
    LOG(INFO) << "shutdown complete";
  }

 private:
  enum class Phase { kStarting, kServing, kDraining };

  metrics::Probe Live() const {
    if (storage_failed_.load()) {
      return {false, "storage failed (see the log); restart kaikud"};
    }
    return {};
  }

  metrics::Probe Ready() const {
    if (metrics::Probe live = Live(); !live.ok) return live;
    switch (phase_.load()) {
      case Phase::kStarting:
        return {false, "starting: opening the store"};
      case Phase::kDraining:
        return {false, "draining: shutting down"};
      case Phase::kServing:
        break;
    }
    return {};
  }

  absl::Status StartMetricsEndpoint() {
    metrics::HttpEndpoint::Options options;
    options.listen = config_.metrics_listen();
    options.registry = &metrics_.registry();
    options.before_scrape = [this] {
      if (sources_ready_.load(std::memory_order_acquire)) {
        CollectAtScrape(sources_, metrics_);
      } else {
        MetricsSources process_only;
        process_only.data_dir = config_.data_dir();
        CollectAtScrape(process_only, metrics_);
      }
    };
    options.live = [this] { return Live(); };
    options.ready = [this] { return Ready(); };
    sources_.data_dir = config_.data_dir();
    ASSIGN_OR_RETURN(endpoint_, metrics::HttpEndpoint::Start(options));
    RETURN_IF_ERROR(WriteFileAtomically(
        (std::filesystem::path(config_.data_dir()) / "metrics.port").string(),
        absl::StrCat(endpoint_->port(), "\n")));
    LOG(INFO) << "metrics, /healthz and /readyz on port " << endpoint_->port()
              << " (metrics_listen " << config_.metrics_listen() << ")";
    return absl::OkStatus();
  }

  // Publishes Ready() and Live() to grpc.health.v1 and the metrics.
  void SetHealth() {
    const bool ready = Ready().ok;
    const bool live = Live().ok;
    metrics_.ready().Set(ready ? 1 : 0);
    metrics_.storage_healthy().Set(live ? 1 : 0);
    if (server_ == nullptr) return;
    grpc::HealthCheckServiceInterface* health =
        server_->GetHealthCheckService();
    if (health == nullptr) return;
    health->SetServingStatus(ready);
    for (const char* service : kServices) {
      health->SetServingStatus(service, ready);
    }
    health->SetServingStatus(kLivenessService, live);
  }

  const ServerConfig config_;
  metrics::KaikudMetrics metrics_;
  StreamStats stream_stats_;
  std::atomic<Phase> phase_{Phase::kStarting};
  // Set once, before sources_ready_.
  MetricsSources sources_;
  std::atomic<bool> sources_ready_{false};
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<ModelReloader> model_;
  std::unique_ptr<storage::Store> store_;
  // store_ with the states the ingest workers have in memory (reads).
  std::unique_ptr<ingest::LiveStateStore> live_states_;
  std::unique_ptr<scorelog::ScoreLogHub> hub_;
  std::unique_ptr<scorelog::KafkaSink> kafka_sink_;
  std::unique_ptr<Maintenance> maintenance_;
  // Page values learned from the conversions stored since the start.
  scoring::PageValues page_values_;
  std::unique_ptr<ingest::IngestPipeline> pipeline_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<ThreadPool> reads_;
  std::unique_ptr<IngestService> ingest_service_;
  std::unique_ptr<ScoresService> scores_service_;
  std::unique_ptr<PrivacyService> privacy_service_;
  std::unique_ptr<AdminService> admin_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
  std::atomic<bool> storage_failed_{false};
  // Last: destroyed first, so no scrape runs while the rest goes away.
  std::unique_ptr<metrics::HttpEndpoint> endpoint_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerConfig& config) {
  auto server = std::make_unique<ServerImpl>(config);
  RETURN_IF_ERROR(server->Init());
  return server;
}

}  // namespace kaiku::kaikud
