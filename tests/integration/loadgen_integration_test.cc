// kaiku_loadgen against the real kaikud: the live workload over several
// sites, each with its own key, stores every event (the retried requests as
// duplicates, the late events too), counts the score events and times some of
// them; the compressed stress test over several streams does the same; the
// stored visitors are the generator's.
#include <fstream>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/auth/authenticator.h"
#include "tests/testing/kaikud_process.h"
#include "tests/testing/temp_dir.h"

namespace {

using ::kaiku::testing::CommandResult;
using ::kaiku::testing::KaikuctlPath;
using ::kaiku::testing::KaikudProcess;
using ::kaiku::testing::RunCommand;
using ::testing::HasSubstr;

// The value of a "key value" summary line; -1 when missing.
double Field(const std::string& out, absl::string_view key) {
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    std::vector<absl::string_view> kv = absl::StrSplit(line, ' ');
    double v;
    if (kv.size() == 2 && kv[0] == key && absl::SimpleAtod(kv[1], &v)) return v;
  }
  return -1;
}

TEST(LoadgenIntegrationTest, LiveWorkloadOverSitesIsStoredScoredAndTimed) {
  kaiku::testing::TempDir dir;
  const std::vector<std::string> keys = {"site0-key", "site1-key", "site2-key"};
  {
    std::ofstream out(dir.Sub("keys"));
    for (size_t i = 0; i < keys.size(); ++i) {
      out << kaiku::auth::HashApiKey(keys[i]) << " site" << i
          << " ingest,subscribe\n";
    }
  }
  auto server =
      KaikudProcess::Start(dir.Sub("data"), {"--keys_file=" + dir.Sub("keys")});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string addr = (*server)->address();
  // Many retries and late events, so that a short run has some.
  CommandResult run = RunCommand(
      {KAIKU_LOADGEN_PATH, "--addr=" + addr, "--rate=3000", "--duration=4",
       "--tenant_keys=" + absl::StrJoin(keys, ","), "--retry_share=0.1",
       "--late_share=0.05", "--linger_ms=10", "--run_id=live", "--subscribe"},
      "");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(Field(run.out, "sites"), 3);
  EXPECT_GT(Field(run.out, "events_per_second"), 1500);
  EXPECT_GT(Field(run.out, "events_late"), 0);
  EXPECT_GT(Field(run.out, "requests_retried"), 0);
  // Every event is stored once; the retried ones come back as duplicates.
  EXPECT_EQ(Field(run.out, "events_duplicate"),
            Field(run.out, "events_retried"));
  EXPECT_EQ(
      Field(run.out, "events_accepted") + Field(run.out, "events_retried"),
      Field(run.out, "events_sent"));
  EXPECT_EQ(Field(run.out, "events_failed"), 0);
  EXPECT_GT(Field(run.out, "score_events"), 0);
  EXPECT_GT(Field(run.out, "e2e_samples"), 0);

  // Each site has its own score stream, of its own visitors, and the first
  // site, with the largest share of the traffic, has the most.
  std::vector<absl::flat_hash_set<std::string>> visitors(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    CommandResult tail = RunCommand(
        {KaikuctlPath(), "tail", "--from", "earliest", "--limit", "100000",
         "--timeout", "2", "--addr", addr, "--api-key", keys[i]},
        "");
    for (absl::string_view line : absl::StrSplit(tail.out, '\n')) {
      const size_t at = line.find("\"visitorId\":\"");
      if (at == line.npos) continue;
      absl::string_view id = line.substr(at + 13);
      visitors[i].insert(std::string(id.substr(0, id.find('"'))));
    }
  }
  EXPECT_GT(visitors[0].size(), visitors[2].size());
  EXPECT_GT(visitors[2].size(), 0u);
  for (const std::string& v : visitors[0]) {
    EXPECT_FALSE(visitors[1].contains(v) || visitors[2].contains(v)) << v;
  }
  ASSERT_FALSE(visitors[1].empty());
  const std::string some = *visitors[1].begin();
  EXPECT_EQ(RunCommand({KaikuctlPath(), "get", some, "--addr", addr,
                        "--api-key", keys[1]},
                       "")
                .exit_code,
            0);
  EXPECT_NE(RunCommand({KaikuctlPath(), "get", some, "--addr", addr,
                        "--api-key", keys[0]},
                       "")
                .exit_code,
            0);
}

TEST(LoadgenIntegrationTest, CompressedRunIsStoredScoredAndTimed) {
  kaiku::testing::TempDir dir;
  auto server = KaikudProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string addr = (*server)->address();
  // Event times from a fixed start (20 days ago), so that a second run sends
  // the same events.
  const std::string start =
      "--start_unix_seconds=" +
      std::to_string(absl::ToUnixSeconds(absl::Now() - absl::Hours(24 * 20)));
  CommandResult run = RunCommand(
      {KAIKU_LOADGEN_PATH, "--addr=" + addr, "--workload=compressed", start,
       "--max_events=20000", "--duration=60", "--batch=200", "--streams=3",
       "--window=4", "--visitors=2000", "--retry_share=0", "--run_id=it",
       "--subscribe", "--series=" + dir.Sub("series.txt")},
      "");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(Field(run.out, "events_sent"), 20000);
  EXPECT_EQ(Field(run.out, "events_accepted"), 20000);
  EXPECT_EQ(Field(run.out, "events_failed"), 0);
  EXPECT_GT(Field(run.out, "events_per_second"), 0);
  EXPECT_GT(Field(run.out, "ack_p99_ms"), 0);
  EXPECT_GE(Field(run.out, "ack_p999_ms"), Field(run.out, "ack_p99_ms"));
  EXPECT_GT(Field(run.out, "score_events"), 0);
  EXPECT_GT(Field(run.out, "e2e_samples"), 0);
  EXPECT_LE(Field(run.out, "e2e_samples"), Field(run.out, "score_events"));

  // The same events again (ids and times): every one is a duplicate.
  CommandResult again = RunCommand(
      {KAIKU_LOADGEN_PATH, "--addr=" + addr, "--workload=compressed", start,
       "--max_events=2000", "--duration=60", "--visitors=2000", "--run_id=it"},
      "");
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(Field(again.out, "events_duplicate"), 2000);

  // Visitor ids are the generator's: "<run_id>-v<n>".
  CommandResult visitor =
      RunCommand({KaikuctlPath(), "get", "it-v1", "--addr", addr}, "");
  ASSERT_EQ(visitor.exit_code, 0) << visitor.out;
  EXPECT_THAT(visitor.out, HasSubstr("\"visitorId\":\"it-v1\""));
}

// --dataset replays a public dataset's file instead, shifted to end before
// now.
TEST(LoadgenIntegrationTest, ReplaysADatasetFile) {
  kaiku::testing::TempDir dir;
  const std::string csv = dir.Sub("taobao.csv");
  std::ofstream(csv) << "user_id,item_id,category_id,behavior_type,timestamp\n"
                        "1,10,7,pv,1511600000\n1,11,7,pv,1511600090\n"
                        "2,10,7,pv,1511600100\n2,12,7,pv,1511600300\n"
                        "3,13,8,pv,1511690000\n";
  auto server = KaikudProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string addr = (*server)->address();
  CommandResult run = RunCommand(
      {KAIKU_LOADGEN_PATH, "--addr=" + addr, "--dataset=taobao", "--csv=" + csv,
       "--duration=60", "--batch=2", "--retry_share=0"},
      "");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(Field(run.out, "events_accepted"), 5);
  EXPECT_EQ(Field(run.out, "visitors_seen"), 3);
  CommandResult visitor =
      RunCommand({KaikuctlPath(), "get", "tb-2", "--addr", addr}, "");
  ASSERT_EQ(visitor.exit_code, 0) << visitor.out;
  EXPECT_THAT(visitor.out, HasSubstr("\"eventCount\":\"2\""));
}

TEST(LoadgenIntegrationTest, BadFlagsAreUsageErrors) {
  // The live workload happens in real time: it needs a rate.
  for (const char* flag :
       {"--batch=0", "--window=65", "--duration=0", "--rate=-1",
        "--dataset=nope", "--workload=live", "--workload=other"}) {
    EXPECT_EQ(RunCommand({KAIKU_LOADGEN_PATH, flag}, "").exit_code, 2) << flag;
  }
}

}  // namespace
