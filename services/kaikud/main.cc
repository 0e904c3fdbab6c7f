// kaikud: the Kaiku server. Flags are defined here and nowhere else; each
// overrides the same setting of the --config file
// (kaiku.config.v1.ServerConfig, text format).
//
//   kaikud                                   ./data, loopback, default model,
//   no auth kaikud --data_dir=/var/lib/kaiku --listen=127.0.0.1:0
//   --durability=fsync
//
// Signals: SIGTERM / SIGINT drain and exit 0; SIGHUP reloads the model file.
#include <signal.h>

#include <cstring>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "lib/common/logging.h"
#include "lib/config/server_config.h"
#include "services/kaikud/server.h"

ABSL_FLAG(std::string, config, "",
          "Config file (kaiku.config.v1.ServerConfig, text format).");
// An empty flag is "not given": the config file's value, else the built-in
// default, holds.
ABSL_FLAG(std::string, data_dir, "",
          "Directory of the RocksDB store and port files. Default: ./data.");
ABSL_FLAG(
    std::string, listen, "",
    "gRPC host:port; port 0 picks one and writes it to <data_dir>/kaikud.port. "
    "Default: 127.0.0.1:50051.");
ABSL_FLAG(
    std::string, metrics_listen, "",
    "HTTP ip:port of /metrics, /healthz and /readyz; port 0 picks one and "
    "writes it to <data_dir>/metrics.port. Default: 127.0.0.1:9464.");
ABSL_FLAG(
    std::string, durability, "",
    "process: acked events survive a crash of kaikud; fsync: also power loss. "
    "Default: process.");
ABSL_FLAG(std::string, keys_file, "",
          "API keys file (sha256 tenant scopes per line). Default: none (one "
          "tenant, no "
          "auth, loopback only).");
ABSL_FLAG(std::string, model, "",
          "Scoring model file (kaiku.config.v1.ScoringModel, text format), "
          "reloaded on SIGHUP. Default: the built-in model "
          "(deploy/config/model.textproto).");
ABSL_FLAG(std::string, log_level, "info",
          "Least severity logged: info, warning, error.");
ABSL_FLAG(std::string, log_format, "text",
          "Log lines on stderr: text, or json (one object per line: time, "
          "level, source, message).");

namespace {

// Overrides `*field` with the flag's value when the flag was given.
void Override(const absl::Flag<std::string>& flag, std::string* field) {
  std::string value = absl::GetFlag(flag);
  if (!value.empty()) *field = std::move(value);
}

int Run() {
  kaiku::LogSeverity severity;
  if (!kaiku::ParseLogSeverity(absl::GetFlag(FLAGS_log_level), &severity)) {
    LOG(ERROR) << "--log_level: must be info, warning, error or fatal";
    return 2;
  }
  kaiku::SetMinLogSeverity(severity);
  kaiku::LogFormat format;
  if (!kaiku::ParseLogFormat(absl::GetFlag(FLAGS_log_format), &format)) {
    LOG(ERROR) << "--log_format: must be text or json";
    return 2;
  }
  kaiku::SetLogFormat(format);

  kaiku::config::v1::ServerConfig config = kaiku::config::DefaultServerConfig();
  if (!absl::GetFlag(FLAGS_config).empty()) {
    absl::StatusOr<kaiku::config::v1::ServerConfig> loaded =
        kaiku::config::LoadServerConfig(absl::GetFlag(FLAGS_config));
    if (!loaded.ok()) {
      LOG(ERROR) << loaded.status().message();
      return 2;
    }
    config = *std::move(loaded);
  }
  Override(FLAGS_data_dir, config.mutable_data_dir());
  Override(FLAGS_listen, config.mutable_listen());
  Override(FLAGS_metrics_listen, config.mutable_metrics_listen());
  Override(FLAGS_durability, config.mutable_durability());
  Override(FLAGS_keys_file, config.mutable_keys_file());
  Override(FLAGS_model, config.mutable_model_file());
  if (absl::Status valid = kaiku::config::ValidateServerConfig(config);
      !valid.ok()) {
    LOG(ERROR) << valid.message();
    return 2;
  }

  // Signals are taken synchronously by this thread; every thread started from
  // here on inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<std::unique_ptr<kaiku::kaikud::Server>> server =
      kaiku::kaikud::Server::Start(config);
  if (!server.ok()) {
    LOG(ERROR) << "cannot start: " << server.status();
    return 1;
  }
  int received = 0;
  while (sigwait(&signals, &received) == 0 && received == SIGHUP) {
    absl::StatusOr<std::string> version = (*server)->ReloadModel();
    if (version.ok()) {
      LOG(INFO) << "SIGHUP: scoring with model " << *version;
    } else {
      LOG(ERROR) << "SIGHUP: " << version.status().message();
    }
  }
  LOG(INFO) << "received " << strsignal(received);
  (*server)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built without NDEBUG, so by default every Mutex lock
  // records the locks its thread holds and checks the lock-order graph for a
  // cycle (perf: absl's GraphCycles on every lock of the write path). The
  // tests keep that check; the server does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "Kaiku: real-time buying-signal scoring server.");
  absl::ParseCommandLine(argc, argv);
  return Run();
}
