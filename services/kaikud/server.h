// kaikud's wiring: loads the scoring model, opens the store, starts the ingest
// pipeline (which scores) and the gRPC server with Ingest, Scores, Privacy,
// Admin, grpc.health.v1 and server reflection.
//
// Threads: gRPC's callback threads run handlers (validation, no I/O);
// `ingest.shards` pipeline workers own the writes; a small read pool serves
// blocking reads.
#ifndef KAIKU_SERVICES_KAIKUD_SERVER_H_
#define KAIKU_SERVICES_KAIKUD_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kaiku/config/v1/config.pb.h"

namespace kaiku::kaikud {

class Server {
 public:
  // Starts serving. `config` must be valid (config::ValidateServerConfig).
  // Creates the data directory if needed and writes the chosen gRPC port to
  // <data_dir>/kaikud.port.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const kaiku::config::v1::ServerConfig& config);

  virtual ~Server() = default;

  // The gRPC port actually bound.
  virtual int port() const = 0;

  // Reloads the model file (SIGHUP); see ModelReloader::Reload. Returns the
  // version now in use.
  virtual absl::StatusOr<std::string> ReloadModel() = 0;

  // Graceful stop: health turns NOT_SERVING, new calls are refused, open calls
  // get up to `shutdown_grace` to finish (then are cancelled), queued events
  // are written, memtables flushed. Idempotent.
  virtual void Shutdown() = 0;
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_SERVER_H_
