// gRPC server metrics in the names of grpc-ecosystem/go-grpc-prometheus, which
// dashboards and alerts already know: grpc_server_started_total,
// grpc_server_handled_total{grpc_code} and grpc_server_handling_seconds, with
// grpc_type, grpc_service and grpc_method labels. Every series of every
// served method (and every status code) exists from the start, so rates and
// alerts see zeros instead of gaps. Calls to methods that are not served are
// not counted (their names come from clients, so they are unbounded).
//
//   std::vector<std::unique_ptr<ServerInterceptorFactoryInterface>> creators;
//   creators.push_back(std::make_unique<GrpcMetrics>(&metrics, services));
//   builder.experimental().SetInterceptorCreators(std::move(creators));
#ifndef KAIKU_SERVICES_KAIKUD_GRPC_METRICS_H_
#define KAIKU_SERVICES_KAIKUD_GRPC_METRICS_H_

#include <array>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "grpcpp/support/server_interceptor.h"
#include "lib/metrics/kaikud_metrics.h"

namespace kaiku::kaikud {

class GrpcMetrics
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // The series of one method.
  struct Method {
    prometheus::Counter* started = nullptr;
    std::array<prometheus::Counter*, 17> handled{};  // by grpc::StatusCode
    prometheus::Histogram* handling = nullptr;
  };

  // Creates the series of every method of `services` (full names, e.g.
  // "kaiku.v1.Ingest", looked up in the generated descriptor pool). `metrics`
  // must outlive this.
  GrpcMetrics(metrics::KaikudMetrics* metrics,
              const std::vector<std::string>& services);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  void AddMethod(const std::string& service, const std::string& method,
                 const char* type);

  // By "/package.Service/Method"; not changed after construction.
  absl::flat_hash_map<std::string, Method> methods_;
  metrics::KaikudMetrics* const metrics_;
};

}  // namespace kaiku::kaikud

#endif  // KAIKU_SERVICES_KAIKUD_GRPC_METRICS_H_
