// A minimal HTTP/1.0 GET over loopback for tests (metrics, probes, the
// Prometheus HTTP API): no redirects, no chunked encoding, no TLS.
#ifndef KAIKU_TESTS_TESTING_HTTP_GET_H_
#define KAIKU_TESTS_TESTING_HTTP_GET_H_

#include <string>

#include "absl/status/statusor.h"

namespace kaiku::testing {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET http://127.0.0.1:<port><target>. UNAVAILABLE when nothing answers.
absl::StatusOr<HttpResponse> HttpGet(int port, const std::string& target);

// A TCP port free on 127.0.0.1 at the time of the call (for servers that
// cannot pick port 0 themselves).
int FreeLoopbackPort();

}  // namespace kaiku::testing

#endif  // KAIKU_TESTS_TESTING_HTTP_GET_H_
