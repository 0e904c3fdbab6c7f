// kaikud's HTTP side port (--metrics_listen): Prometheus text exposition at
// /metrics, and the liveness and readiness probes /healthz and /readyz, which
// answer 200 "ok" or 503 with the reason. Served by civetweb (Debian's
// libcivetweb, the server prometheus-cpp's own exposer uses) on two threads;
// nothing else is served.
//
//   HttpEndpoint::Options options;
//   options.listen = "127.0.0.1:0";
//   options.registry = &metrics.registry();
//   options.ready = [&] { return Probe{serving, "draining"}; };
//   ASSIGN_OR_RETURN(auto endpoint, HttpEndpoint::Start(options));
//   endpoint->port();  // the port bound
//
// Thread safety: the callbacks run on civetweb's threads, scrapes one at a
// time.
#ifndef KAIKU_LIB_METRICS_HTTP_ENDPOINT_H_
#define KAIKU_LIB_METRICS_HTTP_ENDPOINT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/registry.h"

struct mg_context;
struct mg_connection;

namespace kaiku::metrics {

// A probe's answer: 200 "ok" when `ok`, else 503 `reason`.
struct Probe {
  bool ok = true;
  std::string reason;
};

class HttpEndpoint {
 public:
  struct Options {
    // host:port with a numeric host ("127.0.0.1:9464", "0.0.0.0:9464",
    // "[::1]:0"); port 0 picks a free one. Required.
    std::string listen;
    // Collected at every scrape. Required; must outlive the endpoint.
    prometheus::Registry* registry = nullptr;
    // Runs before each scrape, to update figures read at scrape time.
    std::function<void()> before_scrape;
    // /healthz: is the process able to do its work (restart it if not)?
    std::function<Probe()> live;
    // /readyz: should it get traffic now?
    std::function<Probe()> ready;
  };

  // UNAVAILABLE naming the address when it cannot listen.
  static absl::StatusOr<std::unique_ptr<HttpEndpoint>> Start(Options options);

  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;
  // Stops serving; waits for requests in progress.
  ~HttpEndpoint();

  // The port bound.
  int port() const { return port_; }

 private:
  explicit HttpEndpoint(Options options) : options_(std::move(options)) {}

  static int ServeMetrics(mg_connection* conn, void* self);
  static int ServeHealth(mg_connection* conn, void* self);
  static int ServeReady(mg_connection* conn, void* self);

  const Options options_;
  mg_context* context_ = nullptr;
  int port_ = 0;
  absl::Mutex scrape_mu_;
};

}  // namespace kaiku::metrics

#endif  // KAIKU_LIB_METRICS_HTTP_ENDPOINT_H_
