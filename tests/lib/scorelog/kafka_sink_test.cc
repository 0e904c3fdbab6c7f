// The Kafka sink against librdkafka's mock cluster: produce the score log,
// consume it back, restart and resume from the acknowledged position.
#include "lib/scorelog/kafka_sink.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "kaiku/v1/scores.pb.h"
#include "librdkafka/rdkafka.h"
#include "librdkafka/rdkafka_mock.h"
#include "tests/testing/temp_dir.h"

namespace kaiku::scorelog {
namespace {

constexpr char kTopic[] = "kaiku.scores";

// One consumed message.
struct Consumed {
  std::string tenant;
  uint64_t sequence = 0;
  std::string key;
  kaiku::v1::ScoreEvent event;
  int32_t partition = 0;
  // A tombstone: a null value.
  bool null_value = false;
};

class KafkaSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    mock_handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    ASSERT_NE(mock_handle_, nullptr) << error;
    cluster_ = rd_kafka_mock_cluster_new(mock_handle_, 1);
    ASSERT_NE(cluster_, nullptr);
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_, kTopic, 3, 1),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    brokers_ = rd_kafka_mock_cluster_bootstraps(cluster_);

    storage::StoreOptions options;
    options.path = dir_.Sub("db");
    store_ = *storage::Store::Open(options);

    conf = rd_kafka_conf_new();
    ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", brokers_.c_str(),
                                error, sizeof(error)),
              RD_KAFKA_CONF_OK);
    ASSERT_EQ(rd_kafka_conf_set(conf, "group.id", "test", error, sizeof(error)),
              RD_KAFKA_CONF_OK);
    consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    ASSERT_NE(consumer_, nullptr) << error;
    rd_kafka_topic_partition_list_t* parts =
        rd_kafka_topic_partition_list_new(3);
    for (int p = 0; p < 3; ++p) {
      rd_kafka_topic_partition_list_add(parts, kTopic, p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
    ASSERT_EQ(rd_kafka_assign(consumer_, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(parts);
  }

  void TearDown() override {
    if (consumer_ != nullptr) {
      rd_kafka_consumer_close(consumer_);
      rd_kafka_destroy(consumer_);
    }
    if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
    if (mock_handle_ != nullptr) rd_kafka_destroy(mock_handle_);
  }

  void Append(const std::string& tenant, const std::string& visitor, int n) {
    for (int i = 0; i < n; ++i) {
      std::unique_ptr<storage::StoreBatch> batch = store_->NewBatch();
      kaiku::v1::ScoreEvent e;
      e.set_visitor_id(visitor);
      e.set_kind(kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED);
      batch->AppendScoreEvent(tenant, e);
      ASSERT_TRUE(store_->Commit(batch.get(), false).ok());
    }
  }

  // Consumes until `n` messages arrived (bounded by time).
  std::vector<Consumed> Consume(size_t n) {
    std::vector<Consumed> out;
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (out.size() < n && absl::Now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_, 100);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        Consumed c;
        c.partition = m->partition;
        c.key.assign(static_cast<const char*>(m->key), m->key_len);
        c.null_value = m->payload == nullptr;
        EXPECT_TRUE(
            c.event.ParseFromArray(m->payload, static_cast<int>(m->len)));
        rd_kafka_headers_t* headers = nullptr;
        if (rd_kafka_message_headers(m, &headers) ==
            RD_KAFKA_RESP_ERR_NO_ERROR) {
          const void* v;
          size_t len;
          if (rd_kafka_header_get_last(headers, "tenant", &v, &len) ==
              RD_KAFKA_RESP_ERR_NO_ERROR)
            c.tenant.assign(static_cast<const char*>(v), len);
          if (rd_kafka_header_get_last(headers, "sequence", &v, &len) ==
              RD_KAFKA_RESP_ERR_NO_ERROR) {
            EXPECT_TRUE(absl::SimpleAtoi(
                absl::string_view(static_cast<const char*>(v), len),
                &c.sequence));
          }
        }
        out.push_back(std::move(c));
      }
      rd_kafka_message_destroy(m);
    }
    return out;
  }

  std::unique_ptr<KafkaSink> StartSink() {
    KafkaSinkOptions options;
    options.brokers = brokers_;
    options.topic = kTopic;
    auto sink = KafkaSink::Start(store_.get(), options);
    EXPECT_TRUE(sink.ok()) << sink.status();
    return std::move(sink).value();
  }

  kaiku::testing::TempDir dir_;
  rd_kafka_t* mock_handle_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string brokers_;
  rd_kafka_t* consumer_ = nullptr;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(KafkaSinkTest, ProducesEveryEntryKeyedByVisitorAndResumesAfterRestart) {
  Append("acme", "v1", 5);
  Append("acme", "v2", 5);
  Append("globex", "v1", 4);
  {
    auto sink = StartSink();
    std::vector<Consumed> first = Consume(14);
    ASSERT_EQ(first.size(), 14u);
    // Per tenant and visitor: in order; the key is the visitor.
    std::map<std::pair<std::string, std::string>, uint64_t> last;
    std::map<std::string, int> per_tenant;
    for (const Consumed& c : first) {
      EXPECT_EQ(c.key, c.event.visitor_id());
      EXPECT_EQ(c.event.id(), absl::StrCat(c.sequence));
      uint64_t& previous = last[{c.tenant, c.key}];
      EXPECT_GT(c.sequence, previous);
      previous = c.sequence;
      ++per_tenant[c.tenant];
    }
    EXPECT_EQ(per_tenant["acme"], 10);
    EXPECT_EQ(per_tenant["globex"], 4);
  }  // stopped: acknowledged positions stored
  EXPECT_EQ(**store_->GetConsumerCursor("acme", "kafka-sink"), 10u);
  EXPECT_EQ(**store_->GetConsumerCursor("globex", "kafka-sink"), 4u);

  // Appended while the sink was down: produced after the restart, and only
  // those.
  Append("acme", "v3", 3);
  auto sink = StartSink();
  std::vector<Consumed> second = Consume(3);
  ASSERT_EQ(second.size(), 3u);
  for (const Consumed& c : second) {
    EXPECT_EQ(c.tenant, "acme");
    EXPECT_EQ(c.key, "v3");
    EXPECT_GT(c.sequence, 10u);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (sink->lag() != 0 && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(sink->lag(), 0);
}

TEST_F(KafkaSinkTest, AnErasedVisitorGetsATombstoneAfterItsMessages) {
  Append("acme", "v1", 2);
  std::vector<Consumed> before;
  {
    auto sink = StartSink();
    before = Consume(2);
    ASSERT_EQ(before.size(), 2u);
  }

  // Erased while the sink was down: what was not produced yet is never
  // produced, and the tombstone follows the visitor's messages in their
  // partition.
  Append("acme", "v1", 2);
  Append("acme", "v2", 1);
  ASSERT_TRUE(store_->EraseVisitor("acme", "v1").ok());
  auto sink = StartSink();
  ASSERT_TRUE(sink->ProduceTombstone("acme", "v1", absl::Seconds(30)).ok());
  std::vector<Consumed> after = Consume(2);
  ASSERT_EQ(after.size(), 2u);
  int tombstones = 0;
  for (const Consumed& c : after) {
    if (c.key == "v2") {
      EXPECT_FALSE(c.null_value);
      continue;
    }
    ++tombstones;
    EXPECT_EQ(c.key, "v1");
    EXPECT_TRUE(c.null_value);
    EXPECT_EQ(c.tenant, "acme");
    EXPECT_EQ(c.partition, before[0].partition);
  }
  EXPECT_EQ(tombstones, 1);
}

TEST_F(KafkaSinkTest, BadPropertyIsRefusedWithItsName) {
  KafkaSinkOptions options;
  options.brokers = brokers_;
  options.properties = {{"no.such.property", "1"}};
  auto sink = KafkaSink::Start(store_.get(), options);
  EXPECT_EQ(sink.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(sink.status().message().find("no.such.property"),
            std::string::npos);
}

}  // namespace
}  // namespace kaiku::scorelog
