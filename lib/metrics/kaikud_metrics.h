// Every metric kaikud exports, declared in one place with its help text and
// base unit (Prometheus naming: `kaiku_` prefix, `_total` for counters,
// `_seconds` and `_bytes` units). Label values are bounded: event kinds,
// levels, outcomes, reasons and gRPC methods are fixed sets; trigger names and
// the model version come from the model file. Never a visitor id, never a
// tenant.
//
// Counters that mirror a total kept elsewhere (RocksDB tickers, the ingest
// workers' counters) are brought up to date at scrape time with SetTotal.
//
// Thread safety: prometheus-cpp metrics are safe from any thread; the
// families' Add/Remove are too.
#ifndef KAIKU_LIB_METRICS_KAIKUD_METRICS_H_
#define KAIKU_LIB_METRICS_KAIKUD_METRICS_H_

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "kaiku/v1/scores.pb.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace kaiku::metrics {

// Publish-ack latency buckets, in seconds; 0.005 and 0.01 are the SLOs of
// SPEC §8 (publish-ack p99 ≤ 5 ms, event→subscriber p99 ≤ 10 ms).
const std::vector<double>& LatencyBuckets();

// Raises `counter` to `total` (a running total kept elsewhere). A total that
// went down (its source restarted) leaves the counter as it is.
void SetTotal(prometheus::Counter& counter, double total);

// Lower-case names without the enum prefix, as label values:
// "level_changed", "sales_ready", ...
std::string KindLabel(kaiku::v1::ScoreEventKind kind);
std::string LevelLabel(kaiku::v1::Level level);

class KaikudMetrics {
 public:
  KaikudMetrics();
  KaikudMetrics(const KaikudMetrics&) = delete;
  KaikudMetrics& operator=(const KaikudMetrics&) = delete;

  prometheus::Registry& registry() { return *registry_; }

  // --- Ingest ---
  enum class Outcome { kAccepted, kDuplicate, kRejected, kFailed };
  prometheus::Counter& events(Outcome outcome) {
    return *events_[static_cast<int>(outcome)];
  }
  // A rejected event by the first field it violated ("url", "occurred_at").
  void CountRejected(absl::string_view field);
  // A whole request refused or failed ("malformed", "overloaded",
  // "unavailable").
  void CountRequestRefused(absl::string_view reason);
  prometheus::Counter& batches() { return *batches_; }
  prometheus::Histogram& ack_latency() { return *ack_latency_; }
  prometheus::Gauge& queued_events() { return *queued_events_; }
  prometheus::Gauge& queue_capacity() { return *queue_capacity_; }

  // --- Scoring ---
  prometheus::Counter& score_events(kaiku::v1::ScoreEventKind kind);
  prometheus::Counter& level_transitions(kaiku::v1::Level from,
                                         kaiku::v1::Level to);
  prometheus::Counter& triggers_fired(const std::string& trigger) {
    return triggers_family_->Add({{"trigger", trigger}});
  }
  prometheus::Counter& recomputations() { return *recomputations_; }
  prometheus::Counter& timer_wakeups() { return *timer_wakeups_; }
  prometheus::Gauge& cached_visitors() { return *cached_visitors_; }
  prometheus::Gauge& dirty_visitors() { return *dirty_visitors_; }
  prometheus::Counter& states_written() { return *states_written_; }
  // Where the ingest workers found visitor states: "cache", "store" or "none"
  // (a new visitor).
  prometheus::Counter& state_lookups(const std::string& source) {
    return state_lookups_family_->Add({{"source", source}});
  }
  prometheus::Gauge& state_cache_bytes() { return *state_cache_bytes_; }
  // kaiku_model_info{version} 1 for the model in use (the previous one's
  // series is removed).
  void SetModelVersion(const std::string& version);
  prometheus::Counter& model_reloads(bool ok) {
    return ok ? *reloads_ok_ : *reloads_failed_;
  }

  // --- Score stream ---
  prometheus::Gauge& subscribers() { return *subscribers_; }
  prometheus::Counter& delivered() { return *delivered_; }
  prometheus::Gauge& subscriber_lag() { return *subscriber_lag_; }
  prometheus::Gauge& kafka_sink_lag() { return *kafka_sink_lag_; }

  // --- RocksDB (set at scrape time) ---
  prometheus::Counter& write_stall_seconds() { return *write_stall_seconds_; }
  prometheus::Counter& compaction_read_bytes() { return *compaction_read_; }
  prometheus::Counter& compaction_written_bytes() {
    return *compaction_written_;
  }
  prometheus::Counter& flush_written_bytes() { return *flush_written_; }
  prometheus::Counter& wal_syncs() { return *wal_syncs_; }
  prometheus::Counter& wal_written_bytes() { return *wal_written_; }
  prometheus::Counter& user_written_bytes() { return *user_written_; }
  prometheus::Gauge& pending_compaction_bytes() { return *pending_compaction_; }
  prometheus::Gauge& write_stopped() { return *write_stopped_; }
  prometheus::Gauge& memtable_bytes(const std::string& column_family) {
    return memtable_family_->Add({{"column_family", column_family}});
  }
  prometheus::Gauge& sst_bytes(const std::string& column_family) {
    return sst_family_->Add({{"column_family", column_family}});
  }
  prometheus::Counter& written_keys(const std::string& column_family) {
    return written_keys_family_->Add({{"column_family", column_family}});
  }
  prometheus::Counter& written_bytes(const std::string& column_family) {
    return written_bytes_family_->Add({{"column_family", column_family}});
  }
  prometheus::Counter& sst_written_bytes(const std::string& column_family) {
    return sst_written_family_->Add({{"column_family", column_family}});
  }
  prometheus::Gauge& filesystem_avail_bytes() { return *fs_avail_; }
  prometheus::Gauge& filesystem_size_bytes() { return *fs_size_; }

  // --- Health ---
  prometheus::Gauge& ready() { return *ready_; }
  prometheus::Gauge& storage_healthy() { return *storage_healthy_; }

  // --- gRPC server (grpc-ecosystem/go-grpc-prometheus names) ---
  prometheus::Family<prometheus::Counter>& grpc_started() {
    return *grpc_started_;
  }
  prometheus::Family<prometheus::Counter>& grpc_handled() {
    return *grpc_handled_;
  }
  prometheus::Family<prometheus::Histogram>& grpc_handling_seconds() {
    return *grpc_handling_;
  }

  // --- Process ---
  prometheus::Counter& process_cpu_seconds() { return *cpu_seconds_; }
  prometheus::Gauge& process_resident_memory_bytes() { return *rss_; }
  prometheus::Gauge& process_virtual_memory_bytes() { return *vsize_; }
  prometheus::Gauge& process_open_fds() { return *open_fds_; }
  prometheus::Gauge& process_max_fds() { return *max_fds_; }
  prometheus::Gauge& process_start_time_seconds() { return *start_time_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;

  std::array<prometheus::Counter*, 4> events_{};
  prometheus::Family<prometheus::Counter>* rejected_family_ = nullptr;
  prometheus::Family<prometheus::Counter>* refused_family_ = nullptr;
  prometheus::Counter* batches_ = nullptr;
  prometheus::Histogram* ack_latency_ = nullptr;
  prometheus::Gauge* queued_events_ = nullptr;
  prometheus::Gauge* queue_capacity_ = nullptr;

  prometheus::Family<prometheus::Counter>* score_events_family_ = nullptr;
  prometheus::Family<prometheus::Counter>* transitions_family_ = nullptr;
  prometheus::Family<prometheus::Counter>* triggers_family_ = nullptr;
  prometheus::Counter* recomputations_ = nullptr;
  prometheus::Family<prometheus::Counter>* state_lookups_family_ = nullptr;
  prometheus::Counter* timer_wakeups_ = nullptr;
  prometheus::Gauge* cached_visitors_ = nullptr;
  prometheus::Gauge* dirty_visitors_ = nullptr;
  prometheus::Counter* states_written_ = nullptr;
  prometheus::Gauge* state_cache_bytes_ = nullptr;
  prometheus::Family<prometheus::Gauge>* model_info_family_ = nullptr;
  absl::Mutex model_mu_;
  prometheus::Gauge* model_info_ ABSL_GUARDED_BY(model_mu_) = nullptr;
  prometheus::Counter* reloads_ok_ = nullptr;
  prometheus::Counter* reloads_failed_ = nullptr;

  prometheus::Gauge* subscribers_ = nullptr;
  prometheus::Counter* delivered_ = nullptr;
  prometheus::Gauge* subscriber_lag_ = nullptr;
  prometheus::Gauge* kafka_sink_lag_ = nullptr;

  prometheus::Counter* write_stall_seconds_ = nullptr;
  prometheus::Counter* compaction_read_ = nullptr;
  prometheus::Counter* compaction_written_ = nullptr;
  prometheus::Counter* flush_written_ = nullptr;
  prometheus::Counter* wal_syncs_ = nullptr;
  prometheus::Counter* wal_written_ = nullptr;
  prometheus::Counter* user_written_ = nullptr;
  prometheus::Gauge* pending_compaction_ = nullptr;
  prometheus::Gauge* write_stopped_ = nullptr;
  prometheus::Family<prometheus::Gauge>* memtable_family_ = nullptr;
  prometheus::Family<prometheus::Gauge>* sst_family_ = nullptr;
  prometheus::Family<prometheus::Counter>* written_keys_family_ = nullptr;
  prometheus::Family<prometheus::Counter>* written_bytes_family_ = nullptr;
  prometheus::Family<prometheus::Counter>* sst_written_family_ = nullptr;
  prometheus::Gauge* fs_avail_ = nullptr;
  prometheus::Gauge* fs_size_ = nullptr;

  prometheus::Gauge* ready_ = nullptr;
  prometheus::Gauge* storage_healthy_ = nullptr;

  prometheus::Family<prometheus::Counter>* grpc_started_ = nullptr;
  prometheus::Family<prometheus::Counter>* grpc_handled_ = nullptr;
  prometheus::Family<prometheus::Histogram>* grpc_handling_ = nullptr;

  prometheus::Counter* cpu_seconds_ = nullptr;
  prometheus::Gauge* rss_ = nullptr;
  prometheus::Gauge* vsize_ = nullptr;
  prometheus::Gauge* open_fds_ = nullptr;
  prometheus::Gauge* max_fds_ = nullptr;
  prometheus::Gauge* start_time_ = nullptr;
};

}  // namespace kaiku::metrics

#endif  // KAIKU_LIB_METRICS_KAIKUD_METRICS_H_
