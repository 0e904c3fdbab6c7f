// lib/metrics: /proc parsing, label mapping, totals, and the HTTP endpoint's
// /metrics, /healthz and /readyz answers.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/metrics/http_endpoint.h"
#include "lib/metrics/kaikud_metrics.h"
#include "lib/metrics/process_stats.h"
#include "prometheus/text_serializer.h"
#include "tests/testing/http_get.h"

namespace kaiku::metrics {
namespace {

using ::kaiku::testing::HttpGet;
using ::testing::HasSubstr;

TEST(ProcessStatsTest, ParsesTheFieldsAfterTheCommand) {
  // A command name with spaces and a parenthesis, as /proc allows.
  const std::string stat =
      "4242 (kai kud) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
      "250 50 0 0 20 0 9 0 1000 123456789 300 18446744073709551615";
  std::optional<ProcessStats> s = ParseProcStat(stat, 1.7e9, 100, 4096);
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 3.0);  // (250 + 50) ticks / 100
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1.7e9 + 10);
  EXPECT_DOUBLE_EQ(s->virtual_bytes, 123456789);
  EXPECT_DOUBLE_EQ(s->resident_bytes, 300.0 * 4096);
  EXPECT_FALSE(ParseProcStat("garbage", 0, 100, 4096).has_value());
  EXPECT_FALSE(ParseProcStat("1 (x) S 1 2 3", 0, 100, 4096).has_value());
}

TEST(ProcessStatsTest, ReadsThisProcess) {
  std::optional<ProcessStats> s = ReadProcessStats();
  ASSERT_TRUE(s.has_value());
  EXPECT_GT(s->resident_bytes, 0);
  EXPECT_GT(s->open_fds, 2);
  EXPECT_GE(s->max_fds, s->open_fds);
}

TEST(KaikudMetricsTest, LabelsAreLowerCaseEnumNames) {
  EXPECT_EQ(KindLabel(kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED),
            "level_changed");
  EXPECT_EQ(LevelLabel(kaiku::v1::LEVEL_SALES_READY), "sales_ready");
}

TEST(KaikudMetricsTest, RejectedEventsAreCountedByTheirLeadingField) {
  KaikudMetrics m;
  m.CountRejected("page_view.url");
  m.CountRejected("events[3].page_view.referrer");
  m.CountRejected("visitor_id");
  m.CountRejected("attributes[\"x\"]");
  m.CountRejected("");
  const std::string text =
      prometheus::TextSerializer().Serialize(m.registry().Collect());
  EXPECT_THAT(
      text, HasSubstr("kaiku_ingest_rejected_events_total{field=\"page_view\"}"
                      " 2"));
  EXPECT_THAT(text, HasSubstr("{field=\"visitor_id\"} 1"));
  EXPECT_THAT(text, HasSubstr("{field=\"attributes\"} 1"));
  EXPECT_THAT(text, HasSubstr("{field=\"other\"} 1"));
}

TEST(KaikudMetricsTest, SetTotalNeverGoesBack) {
  KaikudMetrics m;
  SetTotal(m.wal_syncs(), 5);
  SetTotal(m.wal_syncs(), 3);
  EXPECT_EQ(m.wal_syncs().Value(), 5);
  SetTotal(m.wal_syncs(), 9);
  EXPECT_EQ(m.wal_syncs().Value(), 9);
}

TEST(KaikudMetricsTest, ModelInfoKeepsOnlyTheVersionInUse) {
  KaikudMetrics m;
  m.SetModelVersion("v1");
  m.SetModelVersion("v2");
  const std::string text =
      prometheus::TextSerializer().Serialize(m.registry().Collect());
  EXPECT_THAT(text, HasSubstr("kaiku_scoring_model_info{version=\"v2\"} 1"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("version=\"v1\"")));
}

TEST(HttpEndpointTest, ServesMetricsAndProbes) {
  KaikudMetrics m;
  bool ready = false;
  int scrapes = 0;
  HttpEndpoint::Options options;
  options.listen = "127.0.0.1:0";
  options.registry = &m.registry();
  options.before_scrape = [&] {
    ++scrapes;
    m.queued_events().Set(7);
  };
  options.ready = [&] { return Probe{ready, "starting: opening the store"}; };
  absl::StatusOr<std::unique_ptr<HttpEndpoint>> endpoint =
      HttpEndpoint::Start(options);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  const int port = (*endpoint)->port();
  ASSERT_GT(port, 0);

  auto metrics = HttpGet(port, "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_THAT(metrics->body, HasSubstr("kaiku_ingest_queued_events 7"));
  EXPECT_EQ(scrapes, 1);

  EXPECT_EQ(HttpGet(port, "/healthz")->status, 200);
  auto not_ready = HttpGet(port, "/readyz");
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_EQ(not_ready->body, "starting: opening the store\n");
  ready = true;
  EXPECT_EQ(HttpGet(port, "/readyz")->status, 200);
  EXPECT_EQ(HttpGet(port, "/readyz")->body, "ok\n");
  EXPECT_EQ(HttpGet(port, "/other")->status, 404);

  // A second endpoint on the same port is refused with the address named.
  options.listen = "127.0.0.1:" + std::to_string(port);
  absl::StatusOr<std::unique_ptr<HttpEndpoint>> taken =
      HttpEndpoint::Start(options);
  ASSERT_FALSE(taken.ok());
  EXPECT_THAT(taken.status().message(), HasSubstr("metrics_listen"));
}

}  // namespace
}  // namespace kaiku::metrics
