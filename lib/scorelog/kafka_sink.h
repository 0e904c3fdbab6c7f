// Produces the score log to a Kafka topic (SPEC §6, "at scale"): every tenant's
// entries, in order, keyed by visitor_id (so a visitor's events stay in one
// partition, in order), the value a serialized kaiku.v1.ScoreEvent (id and
// cursor set), headers "tenant" and "sequence".
//
// Delivery is at-least-once with librdkafka's idempotent producer. Per tenant,
// the sink remembers the highest sequence number up to which every entry was
// acknowledged by the brokers, as the named consumer `consumer_name`
// (Store::PutConsumerCursor). After a restart it produces again from there, so
// entries are never lost and repeated only around a restart or a failed
// delivery (consumers deduplicate by ScoreEvent.id, per tenant header).
//
// Thread safety: the sink runs its own thread; lag() may be read from any
// thread.
#ifndef KAIKU_LIB_SCORELOG_KAFKA_SINK_H_
#define KAIKU_LIB_SCORELOG_KAFKA_SINK_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "lib/storage/store.h"

namespace kaiku::scorelog {

struct KafkaSinkOptions {
  // Required: bootstrap servers, "host:port,...".
  std::string brokers;
  // Default: "kaiku.scores".
  std::string topic = "kaiku.scores";
  // The consumer name under which acknowledged positions are stored.
  // Default: "kafka-sink".
  std::string consumer_name = "kafka-sink";
  // More librdkafka producer properties (e.g. security settings).
  std::vector<std::pair<std::string, std::string>> properties;
  // Most messages waiting for acknowledgement. Default: 100000.
  int max_in_flight = 100000;
};

class KafkaSink {
 public:
  // Configures the producer (INVALID_ARGUMENT naming a bad property) and
  // starts producing. `store` must outlive the sink.
  static absl::StatusOr<std::unique_ptr<KafkaSink>> Start(
      storage::Store* store, const KafkaSinkOptions& options);

  // Stops: waits up to 10 s for outstanding deliveries, stores the positions.
  ~KafkaSink();

  // For an erased visitor (ForgetVisitor): produces a tombstone — key
  // visitor_id, null value, header "tenant" — after what the sink produced so
  // far, so a compacted topic drops the visitor's messages, and waits up to
  // `timeout` for the brokers' acknowledgement. UNAVAILABLE when it did not
  // come (the erasure is safe to retry). Any thread.
  absl::Status ProduceTombstone(absl::string_view tenant,
                                absl::string_view visitor_id,
                                absl::Duration timeout);

  // Entries not yet acknowledged by Kafka, over all tenants.
  int64_t lag() const { return lag_.load(std::memory_order_relaxed); }

  struct TenantState;
  struct Tombstone;

 private:
  KafkaSink(storage::Store* store, KafkaSinkOptions options, void* producer);
  void Run();
  void ProduceTenant(const std::string& tenant, TenantState& state);
  void Commit(const std::string& tenant, TenantState& state);
  void ProduceTombstones();
  static void OnDelivery(void* rk, const void* message, void* opaque);

  storage::Store* const store_;
  const KafkaSinkOptions options_;
  void* const producer_;  // rd_kafka_t
  std::vector<std::pair<std::string, std::unique_ptr<TenantState>>> tenants_;
  int64_t in_flight_ = 0;
  std::atomic<int64_t> lag_{0};
  absl::Mutex tombstones_mu_;
  std::vector<std::shared_ptr<Tombstone>> tombstones_
      ABSL_GUARDED_BY(tombstones_mu_);
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace kaiku::scorelog

#endif  // KAIKU_LIB_SCORELOG_KAFKA_SINK_H_
