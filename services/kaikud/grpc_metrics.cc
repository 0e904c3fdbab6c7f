#include "services/kaikud/grpc_metrics.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "lib/common/logging.h"

namespace kaiku::kaikud {
namespace {

using ::grpc::experimental::InterceptionHookPoints;

// go-grpc-prometheus's code label values: the Go names of the codes.
constexpr std::array<const char*, 17> kCodeNames = {
    "OK",
    "Canceled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated",
};

const char* TypeName(bool client_streaming, bool server_streaming) {
  if (client_streaming && server_streaming) return "bidi_stream";
  if (client_streaming) return "client_stream";
  if (server_streaming) return "server_stream";
  return "unary";
}

class Interceptor : public grpc::experimental::Interceptor {
 public:
  explicit Interceptor(const GrpcMetrics::Method* method)
      : method_(method), start_(std::chrono::steady_clock::now()) {
    method_->started->Increment();
  }

  // A call that ends without a status sent (the client went away) is counted
  // as cancelled.
  ~Interceptor() override {
    if (!handled_) Handled(grpc::StatusCode::CANCELLED);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      Handled(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Handled(grpc::StatusCode code) {
    handled_ = true;
    size_t index = static_cast<size_t>(code);
    if (index >= kCodeNames.size()) index = grpc::StatusCode::UNKNOWN;
    method_->handled[index]->Increment();
    method_->handling->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
            .count());
  }

  const GrpcMetrics::Method* const method_;
  const std::chrono::steady_clock::time_point start_;
  bool handled_ = false;
};

}  // namespace

GrpcMetrics::GrpcMetrics(metrics::KaikudMetrics* metrics,
                         const std::vector<std::string>& services)
    : metrics_(metrics) {
  for (const std::string& name : services) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            name);
    CHECK(service != nullptr) << "no descriptor for service " << name;
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* m = service->method(i);
      AddMethod(name, m->name(),
                TypeName(m->client_streaming(), m->server_streaming()));
    }
  }
}

void GrpcMetrics::AddMethod(const std::string& service,
                            const std::string& method, const char* type) {
  const prometheus::Labels labels = {
      {"grpc_type", type}, {"grpc_service", service}, {"grpc_method", method}};
  Method& series = methods_[absl::StrCat("/", service, "/", method)];
  series.started = &metrics_->grpc_started().Add(labels);
  for (size_t code = 0; code < kCodeNames.size(); ++code) {
    prometheus::Labels with_code = labels;
    with_code["grpc_code"] = kCodeNames[code];
    series.handled[code] = &metrics_->grpc_handled().Add(with_code);
  }
  series.handling =
      &metrics_->grpc_handling_seconds().Add(labels, metrics::LatencyBuckets());
}

grpc::experimental::Interceptor* GrpcMetrics::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  auto it = methods_.find(info->method());
  if (it == methods_.end()) return nullptr;
  return new Interceptor(&it->second);
}

}  // namespace kaiku::kaikud
