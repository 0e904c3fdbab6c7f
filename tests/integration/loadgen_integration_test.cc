// kaiku_loadgen against the real kaikud: a bounded synthetic run over several
// PublishStream streams with a subscriber attached stores every event, counts
// the score events and times some of them; the stored visitors are the
// generator's.
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
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

TEST(LoadgenIntegrationTest, BoundedRunIsStoredScoredAndTimed) {
  kaiku::testing::TempDir dir;
  auto server = KaikudProcess::Start(dir.Sub("data"));
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string addr = (*server)->address();
  CommandResult run =
      RunCommand({KAIKU_LOADGEN_PATH, "--addr=" + addr, "--max_events=20000",
                  "--duration=60", "--batch=200", "--streams=3", "--window=4",
                  "--visitors=2000", "--run_id=it", "--subscribe",
                  "--series=" + dir.Sub("series.txt")},
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

  // The same ids again: every event is a duplicate.
  CommandResult again =
      RunCommand({KAIKU_LOADGEN_PATH, "--addr=" + addr, "--max_events=2000",
                  "--duration=60", "--visitors=2000", "--run_id=it"},
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
  CommandResult run =
      RunCommand({KAIKU_LOADGEN_PATH, "--addr=" + addr, "--dataset=taobao",
                  "--csv=" + csv, "--duration=60", "--batch=2"},
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
  for (const char* flag : {"--batch=0", "--window=65", "--duration=0",
                           "--rate=-1", "--dataset=nope"}) {
    EXPECT_EQ(RunCommand({KAIKU_LOADGEN_PATH, flag}, "").exit_code, 2) << flag;
  }
}

}  // namespace
