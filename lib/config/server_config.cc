#include "lib/config/server_config.h"

#include <arpa/inet.h>

#include <memory>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/config/text_proto.h"

namespace kaiku::config {
namespace {

using ::kaiku::config::v1::ServerConfig;

void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  out->set_seconds(absl::ToInt64Seconds(d));
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(d - absl::Seconds(absl::ToInt64Seconds(d)))));
}

// Merges `from` into `to` like MergeFrom, except that a Duration set in `from`
// replaces the one in `to` as a whole (MergeFrom would keep the default's
// seconds under a file's "nanos: 200000000").
void MergeSettings(const google::protobuf::Message& from,
                   google::protobuf::Message* to) {
  const google::protobuf::Reflection* reflection = from.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(from, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->is_repeated() ||
        field->cpp_type() !=
            google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    const google::protobuf::Message& sub = reflection->GetMessage(from, field);
    google::protobuf::Message* target =
        to->GetReflection()->MutableMessage(to, field);
    if (field->message_type()->full_name() == "google.protobuf.Duration") {
      target->CopyFrom(sub);
    } else {
      MergeSettings(sub, target);
    }
  }
  // Everything else (scalars, repeated fields) merges as usual.
  std::unique_ptr<google::protobuf::Message> rest(from.New());
  rest->CopyFrom(from);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (!field->is_repeated() &&
        field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE)
      rest->GetReflection()->ClearField(rest.get(), field);
  }
  to->MergeFrom(*rest);
}

absl::Status FieldError(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("config field ", field, ": ", what));
}

// civetweb binds numeric addresses only: "1.2.3.4:port" or "[::1]:port".
absl::Status ValidateMetricsListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return FieldError("metrics_listen", "must be ip:port, e.g. 127.0.0.1:9464");
  }
  std::string host = listen.substr(0, colon);
  unsigned char addr[sizeof(in6_addr)];
  bool ok = false;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    ok =
        inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), addr) == 1;
  } else {
    ok = inet_pton(AF_INET, host.c_str(), addr) == 1;
  }
  if (!ok) {
    return FieldError("metrics_listen",
                      "host must be an IP address (127.0.0.1, 0.0.0.0, [::1])");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Duration ToAbslDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

ServerConfig DefaultServerConfig() {
  ServerConfig c;
  c.set_listen("127.0.0.1:50051");
  c.set_metrics_listen("127.0.0.1:9464");
  c.set_data_dir("./data");
  c.set_durability("process");
  SetDuration(absl::Hours(24 * 90), c.mutable_retention());
  SetDuration(absl::Minutes(5), c.mutable_max_future_skew());
  SetDuration(absl::Seconds(10), c.mutable_shutdown_grace());
  c.mutable_ingest()->set_shards(2);
  c.mutable_ingest()->set_max_queued_events(200000);
  c.mutable_ingest()->set_max_batch_events(8192);
  c.mutable_storage()->set_block_cache_bytes(int64_t{256} << 20);
  c.mutable_storage()->set_write_buffer_bytes(int64_t{64} << 20);
  c.mutable_scoring()->set_state_cache_bytes(int64_t{1} << 30);
  SetDuration(absl::Seconds(60),
              c.mutable_scoring()->mutable_state_write_delay());
  SetDuration(absl::Hours(24 * 7),
              c.mutable_score_stream()->mutable_retention());
  c.mutable_score_stream()->set_max_entries_per_tenant(10000000);
  SetDuration(absl::Minutes(1),
              c.mutable_score_stream()->mutable_retention_interval());
  SetDuration(absl::Seconds(15),
              c.mutable_score_stream()->mutable_heartbeat_interval());
  c.mutable_score_stream()->set_recent_entries(4096);
  return c;
}

absl::StatusOr<ServerConfig> ParseServerConfig(absl::string_view text,
                                               absl::string_view source) {
  ServerConfig from_file;
  RETURN_IF_ERROR(ParseTextProto(text, source, &from_file));
  ServerConfig config = DefaultServerConfig();
  MergeSettings(from_file, &config);
  return config;
}

absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  return ParseServerConfig(text, path);
}

absl::Status ValidateServerConfig(const ServerConfig& c) {
  if (c.listen().empty() || !absl::StrContains(c.listen(), ':')) {
    return FieldError("listen", "must be host:port");
  }
  if (c.data_dir().empty()) return FieldError("data_dir", "must not be empty");
  if (c.durability() != "process" && c.durability() != "fsync") {
    return FieldError("durability", "must be \"process\" or \"fsync\"");
  }
  if (ToAbslDuration(c.retention()) < absl::Minutes(10)) {
    return FieldError("retention", "must be at least 10 minutes");
  }
  if (ToAbslDuration(c.max_future_skew()) < absl::ZeroDuration()) {
    return FieldError("max_future_skew", "must not be negative");
  }
  if (absl::Status s = ValidateMetricsListen(c.metrics_listen()); !s.ok())
    return s;
  if (ToAbslDuration(c.shutdown_grace()) < absl::ZeroDuration()) {
    return FieldError("shutdown_grace", "must not be negative");
  }
  if (c.ingest().shards() < 1 || c.ingest().shards() > 64) {
    return FieldError("ingest.shards", "must be 1..64");
  }
  if (c.ingest().max_queued_events() < 1000) {
    return FieldError("ingest.max_queued_events", "must be at least 1000");
  }
  if (c.ingest().max_batch_events() < 1) {
    return FieldError("ingest.max_batch_events", "must be at least 1");
  }
  if (c.storage().block_cache_bytes() < (1 << 20)) {
    return FieldError("storage.block_cache_bytes", "must be at least 1 MiB");
  }
  if (c.storage().write_buffer_bytes() < (1 << 20)) {
    return FieldError("storage.write_buffer_bytes", "must be at least 1 MiB");
  }
  const auto& stream = c.score_stream();
  if (ToAbslDuration(stream.retention()) < absl::Minutes(1)) {
    return FieldError("score_stream.retention", "must be at least 1 minute");
  }
  if (stream.max_entries_per_tenant() < 1) {
    return FieldError("score_stream.max_entries_per_tenant",
                      "must be at least 1");
  }
  if (ToAbslDuration(stream.retention_interval()) < absl::Milliseconds(100)) {
    return FieldError("score_stream.retention_interval",
                      "must be at least 100 ms");
  }
  if (ToAbslDuration(stream.heartbeat_interval()) < absl::Milliseconds(100)) {
    return FieldError("score_stream.heartbeat_interval",
                      "must be at least 100 ms");
  }
  if (stream.recent_entries() < 1) {
    return FieldError("score_stream.recent_entries", "must be at least 1");
  }
  if (c.scoring().state_cache_bytes() < (1 << 20)) {
    return FieldError("scoring.state_cache_bytes", "must be at least 1 MiB");
  }
  if (const absl::Duration delay =
          ToAbslDuration(c.scoring().state_write_delay());
      delay < absl::ZeroDuration() || delay > absl::Minutes(10)) {
    return FieldError("scoring.state_write_delay", "must be 0 to 10 minutes");
  }
  if (c.keys_file().empty() && !IsLoopbackListenAddress(c.listen())) {
    return FieldError(
        "listen",
        "without keys_file the server runs without authentication, so it may "
        "only listen on loopback (127.0.0.1, [::1] or localhost)");
  }
  return absl::OkStatus();
}

bool IsLoopbackListenAddress(absl::string_view listen) {
  size_t colon = listen.rfind(':');
  absl::string_view host = listen.substr(0, colon);
  return absl::StartsWith(host, "127.") || host == "[::1]" ||
         host == "localhost";
}

}  // namespace kaiku::config
