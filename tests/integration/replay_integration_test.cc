// The real-data tools end to end: a small Taobao-format file replayed into the
// real kaikud with kaiku_replay, learned from the stored timelines of an
// online checkpoint with kaiku_train, evaluated from the store and from the
// file (the same table: the store holds what the file maps to, and the whole-
// day time shift changes no score), and the learned model served by kaikud.
// Then the shop model with learned shapes: next to the gradient-boosting peer,
// backtested against the default model without writing anything, and served
// by kaikud with every score still the sum of its explained contributions.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/events.h"
#include "tests/testing/kaikud_process.h"
#include "tests/testing/temp_dir.h"

namespace {

using ::kaiku::testing::CommandResult;
using ::kaiku::testing::KaikuctlPath;
using ::kaiku::testing::KaikudProcess;
using ::kaiku::testing::RunCommand;
using ::testing::HasSubstr;
using ::testing::Not;

// Six visitors over two days (China time); three put something in the cart
// and buy on the second day, three only browse.
std::string TaobaoCsv(int* events) {
  std::string csv = "user_id,item_id,category_id,behavior_type,timestamp\n";
  *events = 0;
  const int64_t day1 = 1511600000, day2 = day1 + 86400;
  for (int v = 1; v <= 6; ++v) {
    for (int i = 0; i < 4; ++i) {
      absl::StrAppend(&csv, v, ",", 100 + i, ",7,pv,", day1 + v * 600 + i * 90,
                      "\n");
      ++*events;
    }
    absl::StrAppend(&csv, v, ",101,7,pv,", day2 + v * 600, "\n");
    ++*events;
    if (v <= 3) {
      absl::StrAppend(&csv, v, ",101,7,cart,", day2 + v * 600 + 60, "\n", v,
                      ",101,7,buy,", day2 + v * 600 + 300, "\n");
      *events += 2;
    } else {
      absl::StrAppend(&csv, v, ",102,7,fav,", day2 + v * 600 + 60, "\n");
      ++*events;
    }
  }
  return csv;
}

// The table rows of kaiku_eval's output (lines starting with "|").
std::vector<std::string> TableRows(const std::string& out) {
  std::vector<std::string> rows;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::StartsWith(line, "|")) rows.emplace_back(line);
  }
  return rows;
}

// TaobaoCsv written to a temp dir and replayed into a kaikud on its data dir.
class ReplayIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(csv) << TaobaoCsv(&events);
    auto started = KaikudProcess::Start(dir.Sub("data"));
    ASSERT_TRUE(started.ok()) << started.status();
    server = std::move(started).value();
    replayed = RunCommand({KAIKU_REPLAY_PATH, "--dataset=taobao",
                           "--csv=" + csv, "--addr=" + server->address()},
                          "");
    ASSERT_EQ(replayed.exit_code, 0) << replayed.out;
  }

  kaiku::testing::TempDir dir;
  const std::string csv = dir.Sub("taobao.csv");
  int events = 0;
  std::unique_ptr<KaikudProcess> server;
  CommandResult replayed;
};

TEST_F(ReplayIntegrationTest, ReplayTrainEvaluateAndServeTheLearnedModel) {
  const std::string addr = server->address();
  EXPECT_THAT(replayed.out, HasSubstr(absl::StrCat(events, " accepted")));
  // Run again: every event is a duplicate, stored once.
  CommandResult again = RunCommand(
      {KAIKU_REPLAY_PATH, "--dataset=taobao", "--csv=" + csv, "--addr=" + addr},
      "");
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_THAT(again.out,
              HasSubstr(absl::StrCat("0 accepted, ", events, " duplicate")));

  CommandResult visitor = RunCommand(
      {KaikuctlPath(), "get", "tb-1", "--limit", "100", "--addr", addr}, "");
  ASSERT_EQ(visitor.exit_code, 0);
  EXPECT_THAT(visitor.out, HasSubstr("\"eventCount\":\"7\""));
  EXPECT_THAT(visitor.out, HasSubstr("STAGE_CUSTOMER"));

  ASSERT_EQ(
      RunCommand({KaikuctlPath(), "checkpoint", "train", "--addr", addr}, "")
          .exit_code,
      0);
  const std::string store = dir.Sub("data") + "/checkpoints/train";
  const std::string model = dir.Sub("learned.textproto");
  CommandResult trained =
      RunCommand({KAIKU_TRAIN_PATH, "--dataset=taobao", "--store=" + store,
                  "--test_fraction=0", "--l2=0.01", "--out=" + model},
                 "");
  ASSERT_EQ(trained.exit_code, 0) << trained.out;
  EXPECT_THAT(trained.out, HasSubstr("trained on 12 episodes"));

  CommandResult from_store =
      RunCommand({KAIKU_EVAL_PATH, "--dataset=taobao", "--store=" + store,
                  "--test_fraction=0", "--learned=" + model},
                 "");
  ASSERT_EQ(from_store.exit_code, 0) << from_store.out;
  CommandResult from_file =
      RunCommand({KAIKU_EVAL_PATH, "--dataset=taobao", "--csv=" + csv,
                  "--test_fraction=0", "--learned=" + model},
                 "");
  ASSERT_EQ(from_file.exit_code, 0) << from_file.out;
  EXPECT_THAT(from_store.out, HasSubstr("12 episodes, 3 converted"));
  EXPECT_THAT(
      from_store.out,
      HasSubstr("learned model `kaiku-default-2026-12-1-learned-taobao`"));
  ASSERT_EQ(TableRows(from_store.out).size(), 7u) << from_store.out;
  EXPECT_EQ(TableRows(from_store.out), TableRows(from_file.out));
  // The cart separates the buyers: the learned model ranks them first.
  EXPECT_THAT(from_store.out,
              HasSubstr("| Kaiku, learned model `kaiku-default-2026-12-1-"
                        "learned-taobao` | 1.000 |"));

  // kaikud serves the learned model.
  ASSERT_EQ(server->Terminate(), 0);
  auto learned = KaikudProcess::Start(dir.Sub("data"), {"--model=" + model});
  ASSERT_TRUE(learned.ok()) << learned.status();
  CommandResult served = RunCommand(
      {KaikuctlPath(), "get", "tb-4", "--addr", (*learned)->address()}, "");
  ASSERT_EQ(served.exit_code, 0);
  EXPECT_THAT(served.out, HasSubstr("\"modelVersion\":\"kaiku-default-2026-12-"
                                    "1-learned-taobao\""));
}

// Every file under `dir` and its bytes: a store that nothing wrote to reads
// the same.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    files[entry.path().string()] = bytes.str();
  }
  return files;
}

TEST_F(ReplayIntegrationTest,
       ShopModelWithShapesAgainstThePeerBacktestedServed) {
  ASSERT_EQ(RunCommand({KaikuctlPath(), "checkpoint", "shop", "--addr",
                        server->address()},
                       "")
                .exit_code,
            0);
  const std::string store = dir.Sub("data") + "/checkpoints/shop";

  // Learned shapes on the shop model's signals, in the site's time zone.
  const std::string model = dir.Sub("shop.textproto");
  CommandResult trained = RunCommand(
      {KAIKU_TRAIN_PATH, "--dataset=taobao", "--store=" + store,
       "--test_fraction=0",
       "--base_model=" KAIKU_SOURCE_DIR "/deploy/config/shop-base.textproto",
       "--shapes=monotone", "--time_zone=Asia/Shanghai", "--out=" + model},
      "");
  ASSERT_EQ(trained.exit_code, 0) << trained.out;
  EXPECT_THAT(trained.out, HasSubstr("(cross-validated)"));
  std::ifstream model_file(model);
  std::stringstream model_text;
  model_text << model_file.rdbuf();
  EXPECT_THAT(model_text.str(), HasSubstr("shape {"));
  EXPECT_THAT(model_text.str(), HasSubstr("time_zone: \"Asia/Shanghai\""));

  // The peer on the same episodes and moments, measured by kaiku_eval.
  const std::string features = dir.Sub("features.csv");
  const std::string peer = dir.Sub("peer.csv");
  ASSERT_EQ(RunCommand({KAIKU_EVAL_PATH, "--dataset=taobao", "--store=" + store,
                        "--test_fraction=0", "--features_out=" + features},
                       "")
                .exit_code,
            0);
  CommandResult boosted = RunCommand(
      {"/usr/bin/python3", KAIKU_SOURCE_DIR "/tools/eval/gbm_peer.py", features,
       peer, "--test=" + features},
      "");
  ASSERT_EQ(boosted.exit_code, 0) << boosted.out;
  EXPECT_THAT(boosted.out, HasSubstr("12 training rows, 12 scored"));
  CommandResult table = RunCommand(
      {KAIKU_EVAL_PATH, "--dataset=taobao", "--store=" + store,
       "--test_fraction=0", "--learned=" + model, "--peer_scores=" + peer},
      "");
  ASSERT_EQ(table.exit_code, 0) << table.out;
  EXPECT_THAT(table.out, HasSubstr("| Peer: gradient boosting on history "
                                   "features |"));
  EXPECT_THAT(table.out, HasSubstr("learned model `kaiku-shop-base-2026-12-1-"
                                   "learned-taobao` | 1.000 |"));

  // The backtest reads the checkpoint and writes nothing.
  const auto before = Snapshot(store);
  CommandResult backtest = RunCommand({KAIKU_BACKTEST_PATH, "--store=" + store,
                                       "--model=" + model, "--tenant=default"},
                                      "");
  ASSERT_EQ(backtest.exit_code, 0) << backtest.out;
  EXPECT_THAT(backtest.out,
              HasSubstr("6 visitors, " + std::to_string(events) + " events"));
  EXPECT_THAT(backtest.out, HasSubstr("| candidate `kaiku-shop-base-2026-12-1-"
                                      "learned-taobao` | 12 | 3 | 1.000 |"));
  EXPECT_THAT(backtest.out, HasSubstr("| all | "));
  EXPECT_THAT(backtest.out, HasSubstr("### Visitors whose level differs"));
  EXPECT_EQ(Snapshot(store), before);

  // kaikud serves it; a cart visitor's score is the bias plus its explained
  // contributions, the shaped ones included.
  ASSERT_EQ(server->Terminate(), 0);
  auto shop = KaikudProcess::Start(dir.Sub("data"), {"--model=" + model});
  ASSERT_TRUE(shop.ok()) << shop.status();
  const absl::Time now = absl::Now() - absl::Minutes(5);
  std::vector<kaiku::v1::Event> visit = {
      kaiku::testing::PageView("s1", "shopper", now,
                               "https://shop.example/products/7/1"),
      kaiku::testing::PageView("s2", "shopper", now + absl::Seconds(40),
                               "https://shop.example/products/7/1"),
      kaiku::testing::PageView("s3", "shopper", now + absl::Seconds(90),
                               "https://shop.example/cart?item=1")};
  CommandResult published =
      RunCommand({KaikuctlPath(), "publish", "--addr=" + (*shop)->address()},
                 kaiku::testing::Jsonl(visit));
  ASSERT_EQ(published.exit_code, 0) << published.out;
  absl::StatusOr<kaiku::v1::VisitorProfile> profile =
      kaiku::testing::KaikuctlGet(**shop, "shopper");
  ASSERT_TRUE(profile.ok()) << profile.status();
  std::map<std::string, double> contributions;
  double logit = 0;
  for (const auto& c : profile->explanation().contributions()) {
    contributions[c.signal()] = c.value();
    logit += c.contribution();
  }
  EXPECT_EQ(contributions["last_is_cart"], 1);
  EXPECT_EQ(contributions["max_views_of_one_page"], 2);
  EXPECT_EQ(contributions["events_today"], 3);
  // The hour of the last event in the model's time zone; an explanation leaves
  // out signals whose value is 0, so from 00:00 to 00:59 there it has none.
  absl::TimeZone shanghai;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &shanghai));
  const int hour = absl::ToCivilHour(now + absl::Seconds(90), shanghai).hour();
  EXPECT_EQ(contributions.contains("hour"), hour != 0);
  if (hour != 0) {
    EXPECT_EQ(contributions["hour"], hour);
  }
  double bias = 0;
  {
    std::istringstream lines(model_text.str());
    for (std::string line; std::getline(lines, line);) {
      if (absl::StartsWith(line, "bias: ")) bias = std::stod(line.substr(6));
    }
  }
  EXPECT_NEAR(profile->score(), 100 / (1 + std::exp(-(bias + logit))), 1e-6);
}

TEST(ReplayFileTest, ABadFileIsRefusedWithLineAndColumn) {
  kaiku::testing::TempDir dir;
  const std::string csv = dir.Sub("bad.csv");
  std::ofstream(csv) << "user_id,item_id,category_id,behavior_type,timestamp\n"
                        "1,2,3,pv,1511600000\n1,2,3,pv,soon\n";
  // stderr into stdout, to read the message.
  CommandResult result = RunCommand(
      {"/bin/sh", "-c",
       absl::StrCat(KAIKU_REPLAY_PATH, " --dataset=taobao --csv=", csv,
                    " --addr=127.0.0.1:1 2>&1")},
      "");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.out,
              HasSubstr("bad.csv:3: timestamp: must be Unix seconds"));
  EXPECT_THAT(result.out, Not(HasSubstr("accepted")));
}

}  // namespace
