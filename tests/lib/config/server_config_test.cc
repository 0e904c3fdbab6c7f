#include "lib/config/server_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kaiku::config {
namespace {

using ::testing::HasSubstr;

TEST(ServerConfigTest, DefaultsAreValid) {
  auto c = DefaultServerConfig();
  EXPECT_TRUE(ValidateServerConfig(c).ok());
  EXPECT_EQ(c.listen(), "127.0.0.1:50051");
  EXPECT_EQ(c.durability(), "process");
  EXPECT_FALSE(c.has_dedupe_window());  // no longer used
}

TEST(ServerConfigTest, FileOverridesOnlyWhatItSets) {
  auto c = ParseServerConfig("durability: \"fsync\"\ningest { shards: 4 }\n",
                             "k.textproto");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->durability(), "fsync");
  EXPECT_EQ(c->ingest().shards(), 4);
  EXPECT_EQ(c->ingest().max_queued_events(), 200000);
  EXPECT_EQ(c->listen(), "127.0.0.1:50051");
}

TEST(ServerConfigTest, DurationInTheFileReplacesTheDefaultWhole) {
  auto c = ParseServerConfig(
      "score_stream { heartbeat_interval { nanos: 200000000 } }\n",
      "k.textproto");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(ToAbslDuration(c->score_stream().heartbeat_interval()),
            absl::Milliseconds(200));
  EXPECT_EQ(c->score_stream().recent_entries(), 4096);  // the rest merged
}

TEST(ServerConfigTest, ParseErrorsNameFileLineAndField) {
  auto c = ParseServerConfig("listen: \"127.0.0.1:1\"\nno_such_field: 3\n",
                             "k.textproto");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("k.textproto:2:"));
  EXPECT_THAT(c.status().message(), HasSubstr("no_such_field"));
}

TEST(ServerConfigTest, ValidationNamesTheField) {
  auto c = DefaultServerConfig();
  c.set_durability("sometimes");
  EXPECT_THAT(ValidateServerConfig(c).message(), HasSubstr("durability"));
  c = DefaultServerConfig();
  c.mutable_ingest()->set_shards(0);
  EXPECT_THAT(ValidateServerConfig(c).message(), HasSubstr("ingest.shards"));
  c = DefaultServerConfig();
  c.mutable_scoring()->set_state_cache_bytes(1000);
  EXPECT_THAT(ValidateServerConfig(c).message(),
              HasSubstr("scoring.state_cache_bytes"));
  c = DefaultServerConfig();
  c.mutable_scoring()->mutable_state_write_delay()->set_seconds(601);
  EXPECT_THAT(ValidateServerConfig(c).message(),
              HasSubstr("scoring.state_write_delay"));
  c.mutable_scoring()->mutable_state_write_delay()->set_seconds(-1);
  EXPECT_THAT(ValidateServerConfig(c).message(),
              HasSubstr("scoring.state_write_delay"));
  c.mutable_scoring()->mutable_state_write_delay()->set_seconds(0);
  EXPECT_TRUE(ValidateServerConfig(c).ok());
}

TEST(ServerConfigTest, MetricsListenMustBeAnIpAndPort) {
  auto c = DefaultServerConfig();
  for (const char* ok : {"127.0.0.1:9464", "0.0.0.0:0", "[::1]:9464"}) {
    c.set_metrics_listen(ok);
    EXPECT_TRUE(ValidateServerConfig(c).ok()) << ok;
  }
  for (const char* bad :
       {"localhost:9464", "127.0.0.1", "127.0.0.1:70000", "[::1:9464", ""}) {
    c.set_metrics_listen(bad);
    EXPECT_THAT(ValidateServerConfig(c).message(), HasSubstr("metrics_listen"))
        << bad;
  }
}

TEST(ServerConfigTest, DeployedConfigIsTheDefaults) {
  auto c = LoadServerConfig(KAIKU_SOURCE_DIR "/deploy/config/kaikud.textproto");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(ValidateServerConfig(*c).ok());
  EXPECT_EQ(c->scoring().state_cache_bytes(),
            DefaultServerConfig().scoring().state_cache_bytes());
  EXPECT_EQ(c->metrics_listen(), DefaultServerConfig().metrics_listen());
}

TEST(ServerConfigTest, NoAuthOnlyOnLoopback) {
  auto c = DefaultServerConfig();
  c.set_listen("0.0.0.0:50051");
  EXPECT_THAT(ValidateServerConfig(c).message(), HasSubstr("loopback"));
  c.set_keys_file("/etc/kaiku/keys");
  EXPECT_TRUE(ValidateServerConfig(c).ok());
  EXPECT_TRUE(IsLoopbackListenAddress("127.0.0.1:0"));
  EXPECT_TRUE(IsLoopbackListenAddress("[::1]:5"));
  EXPECT_TRUE(IsLoopbackListenAddress("localhost:5"));
  EXPECT_FALSE(IsLoopbackListenAddress("[::]:5"));
}

}  // namespace
}  // namespace kaiku::config
