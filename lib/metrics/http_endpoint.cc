#include "lib/metrics/http_endpoint.h"

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "civetweb.h"
#include "prometheus/text_serializer.h"

namespace kaiku::metrics {
namespace {

void Reply(mg_connection* conn, int code, const char* content_type,
           const std::string& body) {
  const mg_request_info* info = mg_get_request_info(conn);
  bool head = info != nullptr && std::strcmp(info->request_method, "HEAD") == 0;
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            code, mg_get_response_code_text(conn, code), content_type,
            body.size());
  if (!head) mg_write(conn, body.data(), body.size());
}

// Only GET and HEAD; anything else gets 405.
bool Readable(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  if (info != nullptr && (std::strcmp(info->request_method, "GET") == 0 ||
                          std::strcmp(info->request_method, "HEAD") == 0)) {
    return true;
  }
  Reply(conn, 405, "text/plain; charset=utf-8", "use GET\n");
  return false;
}

int AnswerProbe(mg_connection* conn, const std::function<Probe()>& probe) {
  if (!Readable(conn)) return 405;
  Probe p = probe ? probe() : Probe{};
  int code = p.ok ? 200 : 503;
  Reply(conn, code, "text/plain; charset=utf-8",
        p.ok ? std::string("ok\n") : absl::StrCat(p.reason, "\n"));
  return code;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(
    Options options) {
  static const unsigned initialized = mg_init_library(0);
  (void)initialized;
  std::unique_ptr<HttpEndpoint> endpoint(new HttpEndpoint(std::move(options)));
  const char* civet_options[] = {"listening_ports",
                                 endpoint->options_.listen.c_str(),
                                 "num_threads",
                                 "2",
                                 "request_timeout_ms",
                                 "10000",
                                 nullptr};
  mg_callbacks callbacks{};
  // civetweb's own messages (a port in use, ...) would go to stderr; the
  // caller reports the failure instead.
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };
  endpoint->context_ = mg_start(&callbacks, nullptr, civet_options);
  if (endpoint->context_ == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "metrics_listen: cannot listen on ", endpoint->options_.listen));
  }
  mg_server_port ports[4];
  int n = mg_get_server_ports(endpoint->context_, 4, ports);
  if (n < 1) {
    return absl::UnavailableError(absl::StrCat(
        "metrics_listen: no port bound for ", endpoint->options_.listen));
  }
  endpoint->port_ = ports[0].port;
  mg_set_request_handler(endpoint->context_, "/metrics$", &ServeMetrics,
                         endpoint.get());
  mg_set_request_handler(endpoint->context_, "/healthz$", &ServeHealth,
                         endpoint.get());
  mg_set_request_handler(endpoint->context_, "/readyz$", &ServeReady,
                         endpoint.get());
  return endpoint;
}

HttpEndpoint::~HttpEndpoint() {
  if (context_ != nullptr) mg_stop(context_);
}

int HttpEndpoint::ServeMetrics(mg_connection* conn, void* self) {
  auto* endpoint = static_cast<HttpEndpoint*>(self);
  if (!Readable(conn)) return 405;
  std::string body;
  {
    absl::MutexLock lock(&endpoint->scrape_mu_);
    if (endpoint->options_.before_scrape) endpoint->options_.before_scrape();
    body = prometheus::TextSerializer().Serialize(
        endpoint->options_.registry->Collect());
  }
  Reply(conn, 200, "text/plain; version=0.0.4; charset=utf-8", body);
  return 200;
}

int HttpEndpoint::ServeHealth(mg_connection* conn, void* self) {
  return AnswerProbe(conn, static_cast<HttpEndpoint*>(self)->options_.live);
}

int HttpEndpoint::ServeReady(mg_connection* conn, void* self) {
  return AnswerProbe(conn, static_cast<HttpEndpoint*>(self)->options_.ready);
}

}  // namespace kaiku::metrics
