#include "lib/scorelog/kafka_sink.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>

#include "absl/strings/str_cat.h"
#include "lib/common/logging.h"
#include "lib/scorelog/hub.h"
#include "librdkafka/rdkafka.h"

namespace kaiku::scorelog {

// Per tenant; used by the sink thread only (delivery reports run inside
// rd_kafka_poll on that thread).
struct KafkaSink::TenantState {
  // Last sequence number produced (or skipped).
  uint64_t produced = 0;
  // Every entry up to here was acknowledged.
  uint64_t acknowledged = 0;
  uint64_t committed = 0;
  // Produced, in order, with whether each was acknowledged.
  std::deque<std::pair<uint64_t, bool>> pending;
};

struct KafkaSink::Tombstone {
  std::string tenant;
  std::string visitor_id;
  std::atomic<int> error{RD_KAFKA_RESP_ERR_NO_ERROR};
  absl::Notification delivered;
};

namespace {

// What a message's opaque points to: a score-log entry, or a tombstone.
struct Delivery {
  KafkaSink::TenantState* tenant;
  uint64_t sequence;
  std::shared_ptr<KafkaSink::Tombstone> tombstone;
};

constexpr int kReadChunk = 1000;

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaSink>> KafkaSink::Start(
    storage::Store* store, const KafkaSinkOptions& options) {
  if (options.brokers.empty())
    return absl::InvalidArgumentError("kafka_sink.brokers: required");
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  std::vector<std::pair<std::string, std::string>> properties = {
      {"bootstrap.servers", options.brokers},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", "5"},
      {"compression.type", "lz4"},
  };
  properties.insert(properties.end(), options.properties.begin(),
                    options.properties.end());
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error,
                          sizeof(error)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(
          absl::StrCat("kafka_sink property ", name, ": ", error));
    }
  }
  rd_kafka_conf_set_dr_msg_cb(
      conf, [](rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
        OnDelivery(rk, m, opaque);
      });
  rd_kafka_t* producer =
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (producer == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("kafka_sink: cannot create the producer: ", error));
  }
  std::unique_ptr<KafkaSink> sink(new KafkaSink(store, options, producer));
  sink->thread_ = std::thread([s = sink.get()] { s->Run(); });
  return sink;
}

KafkaSink::KafkaSink(storage::Store* store, KafkaSinkOptions options,
                     void* producer)
    : store_(store), options_(std::move(options)), producer_(producer) {}

KafkaSink::~KafkaSink() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
  rd_kafka_t* rk = static_cast<rd_kafka_t*>(producer_);
  rd_kafka_flush(rk, 10 * 1000);
  for (auto& [tenant, state] : tenants_) Commit(tenant, *state);
  rd_kafka_destroy(rk);
}

void KafkaSink::OnDelivery(void*, const void* m, void*) {
  const rd_kafka_message_t* message = static_cast<const rd_kafka_message_t*>(m);
  auto* delivery = static_cast<Delivery*>(message->_private);
  if (delivery->tombstone != nullptr) {
    delivery->tombstone->error.store(message->err);
    delivery->tombstone->delivered.Notify();
    delete delivery;
    return;
  }
  TenantState& t = *delivery->tenant;
  const uint64_t sequence = delivery->sequence;
  delete delivery;
  auto it = std::lower_bound(t.pending.begin(), t.pending.end(), sequence,
                             [](const std::pair<uint64_t, bool>& p,
                                uint64_t s) { return p.first < s; });
  if (it == t.pending.end() || it->first != sequence) return;  // rewound
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    LOG(WARNING) << "kafka sink: delivery of score-log entry " << sequence
                 << " failed (" << rd_kafka_err2str(message->err)
                 << "); producing again from " << t.acknowledged + 1;
    t.pending.clear();
    t.produced = t.acknowledged;
    return;
  }
  it->second = true;
  while (!t.pending.empty() && t.pending.front().second) {
    t.acknowledged = t.pending.front().first;
    t.pending.pop_front();
  }
}

void KafkaSink::Run() {
  rd_kafka_t* rk = static_cast<rd_kafka_t*>(producer_);
  while (!stop_.HasBeenNotified()) {
    int64_t lag = 0;
    for (const std::string& tenant : store_->ScoreLogTenants()) {
      auto it = std::find_if(tenants_.begin(), tenants_.end(),
                             [&](const auto& t) { return t.first == tenant; });
      if (it == tenants_.end()) {
        auto state = std::make_unique<TenantState>();
        absl::StatusOr<std::optional<uint64_t>> committed =
            store_->GetConsumerCursor(tenant, options_.consumer_name);
        if (!committed.ok()) {
          LOG(WARNING) << "kafka sink: " << committed.status();
          continue;
        }
        const uint64_t first = store_->FirstScoreSequence(tenant);
        const uint64_t earliest = first == 0 ? 0 : first - 1;
        uint64_t start = committed->value_or(earliest);
        if (start < earliest) {
          LOG(WARNING) << "kafka sink: entries " << start + 1 << ".."
                       << earliest << " of tenant " << tenant
                       << " expired before they were produced";
          start = earliest;
        }
        state->produced = state->acknowledged = state->committed = start;
        tenants_.emplace_back(tenant, std::move(state));
        it = tenants_.end() - 1;
      }
      ProduceTenant(tenant, *it->second);
      lag += static_cast<int64_t>(store_->LastScoreSequence(tenant) -
                                  it->second->acknowledged);
    }
    ProduceTombstones();
    lag_.store(lag, std::memory_order_relaxed);
    rd_kafka_poll(rk, 50);
    for (auto& [tenant, state] : tenants_) Commit(tenant, *state);
    if (in_flight_ == 0)
      stop_.WaitForNotificationWithTimeout(absl::Milliseconds(50));
    in_flight_ = rd_kafka_outq_len(rk);
  }
}

void KafkaSink::ProduceTenant(const std::string& tenant, TenantState& t) {
  rd_kafka_t* rk = static_cast<rd_kafka_t*>(producer_);
  const uint64_t last = store_->LastScoreSequence(tenant);
  while (t.produced < last && in_flight_ < options_.max_in_flight) {
    absl::StatusOr<std::vector<storage::ScoreLogEntry>> chunk =
        store_->ReadScoreLog(tenant, t.produced, kReadChunk);
    if (!chunk.ok()) {
      LOG(WARNING) << "kafka sink: " << chunk.status();
      return;
    }
    if (chunk->empty()) {  // erased entries (ForgetVisitor)
      t.produced = last;
      if (t.pending.empty()) t.acknowledged = last;
      return;
    }
    for (storage::ScoreLogEntry& e : *chunk) {
      if (e.sequence > last) return;
      std::shared_ptr<const Entry> entry =
          ScoreLogHub::Decode(tenant, std::move(e));
      const std::string& value = entry->wire;
      const std::string& key = entry->event.visitor_id();
      const std::string sequence = absl::StrCat(entry->sequence);
      auto* delivery = new Delivery{&t, entry->sequence, nullptr};
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(options_.topic.c_str()),
          RD_KAFKA_V_KEY(key.data(), key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_HEADER("tenant", tenant.data(),
                            static_cast<ssize_t>(tenant.size())),
          RD_KAFKA_V_HEADER("sequence", sequence.data(),
                            static_cast<ssize_t>(sequence.size())),
          RD_KAFKA_V_OPAQUE(delivery), RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        delete delivery;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          LOG(WARNING) << "kafka sink: produce failed: "
                       << rd_kafka_err2str(err);
        }
        return;  // try again after the next poll
      }
      t.pending.emplace_back(entry->sequence, false);
      t.produced = entry->sequence;
      ++in_flight_;
    }
  }
}

absl::Status KafkaSink::ProduceTombstone(absl::string_view tenant,
                                         absl::string_view visitor_id,
                                         absl::Duration timeout) {
  auto tombstone = std::make_shared<Tombstone>();
  tombstone->tenant = std::string(tenant);
  tombstone->visitor_id = std::string(visitor_id);
  {
    absl::MutexLock lock(&tombstones_mu_);
    tombstones_.push_back(tombstone);
  }
  if (!tombstone->delivered.WaitForNotificationWithTimeout(timeout)) {
    return absl::UnavailableError(
        "the Kafka tombstone was not acknowledged in time; retry the erasure");
  }
  const auto error = static_cast<rd_kafka_resp_err_t>(tombstone->error.load());
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(
        absl::StrCat("the Kafka tombstone was not delivered (",
                     rd_kafka_err2str(error), "); retry the erasure"));
  }
  return absl::OkStatus();
}

// On the sink thread, after the entries produced so far (a visitor's messages
// share a partition, where order is kept).
void KafkaSink::ProduceTombstones() {
  std::vector<std::shared_ptr<Tombstone>> tombstones;
  {
    absl::MutexLock lock(&tombstones_mu_);
    tombstones.swap(tombstones_);
  }
  rd_kafka_t* rk = static_cast<rd_kafka_t*>(producer_);
  for (std::shared_ptr<Tombstone>& tombstone : tombstones) {
    const std::string& key = tombstone->visitor_id;
    const std::string& tenant = tombstone->tenant;
    auto* delivery = new Delivery{nullptr, 0, tombstone};
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(options_.topic.c_str()),
        RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(nullptr, 0),
        RD_KAFKA_V_HEADER("tenant", tenant.data(),
                          static_cast<ssize_t>(tenant.size())),
        RD_KAFKA_V_OPAQUE(delivery), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      delete delivery;
      tombstone->error.store(err);
      tombstone->delivered.Notify();
    }
  }
}

void KafkaSink::Commit(const std::string& tenant, TenantState& t) {
  if (t.acknowledged <= t.committed) return;
  absl::Status s =
      store_->PutConsumerCursor(tenant, options_.consumer_name, t.acknowledged);
  if (!s.ok()) {
    LOG(WARNING) << "kafka sink: storing the position: " << s;
    return;
  }
  t.committed = t.acknowledged;
}

}  // namespace kaiku::scorelog
