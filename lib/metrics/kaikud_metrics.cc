#include "lib/metrics/kaikud_metrics.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "grpcpp/grpcpp.h"
#include "rocksdb/version.h"

#ifndef KAIKU_VERSION
#define KAIKU_VERSION "unknown"
#endif

namespace kaiku::metrics {
namespace {

using ::prometheus::BuildCounter;
using ::prometheus::BuildGauge;
using ::prometheus::BuildHistogram;

std::string EnumLabel(const std::string& name, absl::string_view prefix) {
  absl::string_view rest = name;
  if (absl::StartsWith(rest, prefix)) rest.remove_prefix(prefix.size());
  return absl::AsciiStrToLower(rest);
}

}  // namespace

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double>* buckets = new std::vector<double>{
      0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,    0.1,    0.25,  0.5,    1,     2.5};
  return *buckets;
}

void SetTotal(prometheus::Counter& counter, double total) {
  double delta = total - counter.Value();
  if (delta > 0) counter.Increment(delta);
}

std::string KindLabel(kaiku::v1::ScoreEventKind kind) {
  return EnumLabel(kaiku::v1::ScoreEventKind_Name(kind), "SCORE_EVENT_KIND_");
}

std::string LevelLabel(kaiku::v1::Level level) {
  return EnumLabel(kaiku::v1::Level_Name(level), "LEVEL_");
}

KaikudMetrics::KaikudMetrics()
    : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::Registry& r = *registry_;

  // Ingest.
  auto& events = BuildCounter()
                     .Name("kaiku_ingest_events_total")
                     .Help(
                         "Events received by Publish and PublishStream, by "
                         "outcome: accepted (stored), duplicate (event_id "
                         "already stored), rejected (invalid, see "
                         "kaiku_ingest_rejected_events_total), failed (the "
                         "whole request failed and may be retried).")
                     .Register(r);
  events_[0] = &events.Add({{"outcome", "accepted"}});
  events_[1] = &events.Add({{"outcome", "duplicate"}});
  events_[2] = &events.Add({{"outcome", "rejected"}});
  events_[3] = &events.Add({{"outcome", "failed"}});
  rejected_family_ = &BuildCounter()
                          .Name("kaiku_ingest_rejected_events_total")
                          .Help(
                              "Invalid events, by the first field they "
                              "violated.")
                          .Register(r);
  refused_family_ = &BuildCounter()
                         .Name("kaiku_ingest_refused_requests_total")
                         .Help(
                             "Publish requests refused or failed whole, by "
                             "reason: malformed (INVALID_ARGUMENT), "
                             "overloaded (RESOURCE_EXHAUSTED), unavailable "
                             "(shutting down or a storage failure).")
                         .Register(r);
  for (const char* reason : {"malformed", "overloaded", "unavailable"}) {
    refused_family_->Add({{"reason", reason}});
  }
  batches_ = &BuildCounter()
                  .Name("kaiku_ingest_batches_total")
                  .Help("Publish requests (batches of events) received.")
                  .Register(r)
                  .Add({});
  ack_latency_ = &BuildHistogram()
                      .Name("kaiku_ingest_ack_latency_seconds")
                      .Help(
                          "Time from receiving a publish request to "
                          "acknowledging it, every accepted event durable.")
                      .Register(r)
                      .Add({}, LatencyBuckets());
  queued_events_ = &BuildGauge()
                        .Name("kaiku_ingest_queued_events")
                        .Help(
                            "Events accepted into the ingest queues and not "
                            "yet written.")
                        .Register(r)
                        .Add({});
  queue_capacity_ = &BuildGauge()
                         .Name("kaiku_ingest_queue_capacity_events")
                         .Help(
                             "Most events the ingest queues hold "
                             "(ingest.max_queued_events); beyond it "
                             "publishing gets RESOURCE_EXHAUSTED.")
                         .Register(r)
                         .Add({});

  // Scoring.
  score_events_family_ = &BuildCounter()
                              .Name("kaiku_scoring_score_events_total")
                              .Help(
                                  "Score events committed to the score log, "
                                  "by kind.")
                              .Register(r);
  for (int k = kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED;
       k < kaiku::v1::SCORE_EVENT_KIND_HEARTBEAT; ++k) {
    score_events_family_->Add(
        {{"kind", KindLabel(static_cast<kaiku::v1::ScoreEventKind>(k))}});
  }
  transitions_family_ = &BuildCounter()
                             .Name("kaiku_scoring_level_transitions_total")
                             .Help(
                                 "Level changes of visitors, by the level "
                                 "left and the level entered.")
                             .Register(r);
  for (int from = kaiku::v1::LEVEL_COLD; from <= kaiku::v1::LEVEL_SALES_READY;
       ++from) {
    for (int to = kaiku::v1::LEVEL_COLD; to <= kaiku::v1::LEVEL_SALES_READY;
         ++to) {
      if (from != to) {
        level_transitions(static_cast<kaiku::v1::Level>(from),
                          static_cast<kaiku::v1::Level>(to));
      }
    }
  }
  triggers_family_ = &BuildCounter()
                          .Name("kaiku_scoring_triggers_fired_total")
                          .Help(
                              "Triggers fired, by trigger name in the "
                              "model file.")
                          .Register(r);
  recomputations_ = &BuildCounter()
                         .Name("kaiku_scoring_recomputations_total")
                         .Help(
                             "Visitor states refolded from the timeline "
                             "(late events, model changes).")
                         .Register(r)
                         .Add({});
  state_lookups_family_ = &BuildCounter()
                               .Name("kaiku_scoring_state_lookups_total")
                               .Help(
                                   "Visitor states the ingest workers needed, "
                                   "by where they were found: cache, store, "
                                   "none (a new visitor).")
                               .Register(r);
  timer_wakeups_ = &BuildCounter()
                        .Name("kaiku_scoring_timer_wakeups_total")
                        .Help(
                            "Quiet visitors woken to apply a level change "
                            "by decay.")
                        .Register(r)
                        .Add({});
  cached_visitors_ = &BuildGauge()
                          .Name("kaiku_scoring_cached_visitors")
                          .Help(
                              "Visitor states in the ingest workers' "
                              "caches.")
                          .Register(r)
                          .Add({});
  dirty_visitors_ = &BuildGauge()
                         .Name("kaiku_scoring_dirty_visitors")
                         .Help(
                             "Cached visitor states not yet written to the "
                             "store (written behind, within "
                             "scoring.state_write_delay).")
                         .Register(r)
                         .Add({});
  states_written_ = &BuildCounter()
                         .Name("kaiku_scoring_states_written_total")
                         .Help("Visitor states written to the store.")
                         .Register(r)
                         .Add({});
  state_cache_bytes_ = &BuildGauge()
                            .Name("kaiku_scoring_state_cache_bytes")
                            .Help(
                                "Memory of the cached visitor states "
                                "(bounded by scoring.state_cache_bytes).")
                            .Register(r)
                            .Add({});
  model_info_family_ = &BuildGauge()
                            .Name("kaiku_scoring_model_info")
                            .Help(
                                "The scoring model in use: 1, labelled with "
                                "its version.")
                            .Register(r);
  auto& reloads = BuildCounter()
                      .Name("kaiku_scoring_model_reloads_total")
                      .Help(
                          "Model reloads (SIGHUP, Admin.ReloadModel), by "
                          "result.")
                      .Register(r);
  reloads_ok_ = &reloads.Add({{"result", "ok"}});
  reloads_failed_ = &reloads.Add({{"result", "failed"}});

  // Score stream.
  subscribers_ = &BuildGauge()
                      .Name("kaiku_score_stream_subscribers")
                      .Help("Open Scores.Subscribe streams.")
                      .Register(r)
                      .Add({});
  delivered_ = &BuildCounter()
                    .Name("kaiku_score_stream_delivered_events_total")
                    .Help(
                        "Score events written to Subscribe streams "
                        "(heartbeats not counted).")
                    .Register(r)
                    .Add({});
  subscriber_lag_ = &BuildGauge()
                         .Name("kaiku_score_stream_subscriber_lag_events")
                         .Help(
                             "Score-log entries committed but not yet "
                             "delivered, for the subscriber furthest "
                             "behind.")
                         .Register(r)
                         .Add({});
  kafka_sink_lag_ = &BuildGauge()
                         .Name("kaiku_kafka_sink_lag_events")
                         .Help(
                             "Score-log entries not yet acknowledged by "
                             "Kafka (0 without a sink).")
                         .Register(r)
                         .Add({});

  // RocksDB.
  auto counter = [&r](const char* name, const char* help) {
    return &BuildCounter().Name(name).Help(help).Register(r).Add({});
  };
  auto gauge = [&r](const char* name, const char* help) {
    return &BuildGauge().Name(name).Help(help).Register(r).Add({});
  };
  write_stall_seconds_ =
      counter("kaiku_rocksdb_write_stall_seconds_total",
              "Time writes were delayed or stopped by RocksDB.");
  compaction_read_ = counter("kaiku_rocksdb_compaction_read_bytes_total",
                             "Bytes read by RocksDB compactions.");
  compaction_written_ = counter("kaiku_rocksdb_compaction_written_bytes_total",
                                "Bytes written by RocksDB compactions.");
  flush_written_ = counter("kaiku_rocksdb_flush_written_bytes_total",
                           "Bytes written by RocksDB memtable flushes.");
  wal_syncs_ = counter("kaiku_rocksdb_wal_syncs_total",
                       "Syncs of the RocksDB write-ahead log.");
  wal_written_ = counter("kaiku_rocksdb_wal_written_bytes_total",
                         "Bytes written to the RocksDB write-ahead log.");
  user_written_ = counter("kaiku_rocksdb_user_written_bytes_total",
                          "Key and value bytes written by kaikud (write "
                          "amplification is (flush + compaction written) / "
                          "this).");
  pending_compaction_ =
      gauge("kaiku_rocksdb_pending_compaction_bytes",
            "Compaction work RocksDB estimates it is behind by.");
  write_stopped_ = gauge("kaiku_rocksdb_write_stopped",
                         "1 while RocksDB stops writes, else 0.");
  memtable_family_ = &BuildGauge()
                          .Name("kaiku_rocksdb_memtable_bytes")
                          .Help("Memtable memory, by column family.")
                          .Register(r);
  sst_family_ = &BuildGauge()
                     .Name("kaiku_rocksdb_sst_bytes")
                     .Help("Size of the SST files, by column family.")
                     .Register(r);
  written_keys_family_ = &BuildCounter()
                              .Name("kaiku_storage_written_keys_total")
                              .Help(
                                  "Keys kaikud put or deleted, by column "
                                  "family.")
                              .Register(r);
  written_bytes_family_ = &BuildCounter()
                               .Name("kaiku_storage_written_bytes_total")
                               .Help(
                                   "Key and value bytes kaikud wrote, by "
                                   "column family.")
                               .Register(r);
  sst_written_family_ =
      &BuildCounter()
           .Name("kaiku_rocksdb_sst_written_bytes_total")
           .Help(
               "Bytes flushes and compactions wrote to SST files since the "
               "store was opened, by column family (its write "
               "amplification: this / kaiku_storage_written_bytes_total).")
           .Register(r);
  fs_avail_ = gauge("kaiku_data_dir_filesystem_avail_bytes",
                    "Bytes free for kaikud on the data directory's "
                    "filesystem.");
  fs_size_ = gauge("kaiku_data_dir_filesystem_size_bytes",
                   "Size of the data directory's filesystem.");

  // Health.
  ready_ = gauge("kaiku_ready",
                 "1 while kaikud serves (/readyz 200), 0 while it opens the "
                 "store, drains or after a storage failure.");
  storage_healthy_ = gauge("kaiku_storage_healthy",
                           "0 after a failed storage write (kaikud stays "
                           "unhealthy until restarted), else 1.");

  // gRPC server.
  grpc_started_ = &BuildCounter()
                       .Name("grpc_server_started_total")
                       .Help("RPCs started on the server.")
                       .Register(r);
  grpc_handled_ = &BuildCounter()
                       .Name("grpc_server_handled_total")
                       .Help("RPCs completed on the server, by status code.")
                       .Register(r);
  grpc_handling_ = &BuildHistogram()
                        .Name("grpc_server_handling_seconds")
                        .Help(
                            "Time from the start of an RPC to its status, "
                            "as seen by the server.")
                        .Register(r);

  // Process.
  cpu_seconds_ = counter("process_cpu_seconds_total",
                         "Total user and system CPU time spent in seconds.");
  rss_ =
      gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  vsize_ =
      gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
  open_fds_ = gauge("process_open_fds", "Number of open file descriptors.");
  max_fds_ =
      gauge("process_max_fds", "Maximum number of open file descriptors.");
  start_time_ = gauge("process_start_time_seconds",
                      "Start time of the process since unix epoch in seconds.");

  BuildGauge()
      .Name("kaiku_build_info")
      .Help("Always 1; labelled with the build's versions.")
      .Register(r)
      .Add({{"version", KAIKU_VERSION},
            {"grpc_version", grpc::Version()},
            {"rocksdb_version", std::to_string(ROCKSDB_MAJOR) + "." +
                                    std::to_string(ROCKSDB_MINOR) + "." +
                                    std::to_string(ROCKSDB_PATCH)},
            {"compiler", __VERSION__}})
      .Set(1);
}

void KaikudMetrics::CountRejected(absl::string_view field) {
  // "events[3].url" or "url" or "attributes[\"k\"]": the leading name only,
  // so label values stay within the event's fixed set of fields.
  size_t dot = field.find("].");
  if (dot != absl::string_view::npos) field.remove_prefix(dot + 2);
  size_t end = 0;
  while (end < field.size() &&
         (std::islower(static_cast<unsigned char>(field[end])) ||
          field[end] == '_')) {
    ++end;
  }
  std::string name(field.substr(0, end));
  if (name.empty()) name = "other";
  rejected_family_->Add({{"field", name}}).Increment();
}

void KaikudMetrics::CountRequestRefused(absl::string_view reason) {
  refused_family_->Add({{"reason", std::string(reason)}}).Increment();
}

prometheus::Counter& KaikudMetrics::score_events(
    kaiku::v1::ScoreEventKind kind) {
  return score_events_family_->Add({{"kind", KindLabel(kind)}});
}

prometheus::Counter& KaikudMetrics::level_transitions(kaiku::v1::Level from,
                                                      kaiku::v1::Level to) {
  return transitions_family_->Add(
      {{"from", LevelLabel(from)}, {"to", LevelLabel(to)}});
}

void KaikudMetrics::SetModelVersion(const std::string& version) {
  absl::MutexLock lock(&model_mu_);
  if (model_info_ != nullptr) model_info_family_->Remove(model_info_);
  model_info_ = &model_info_family_->Add({{"version", version}});
  model_info_->Set(1);
}

}  // namespace kaiku::metrics
