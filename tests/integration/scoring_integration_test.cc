// The brief's visitors through the real kaikud and kaikuctl: scores, levels,
// segments, stages and explanations as a user sees them with `kaikuctl get`;
// the same events shuffled; decay while quiet; model reloads good and bad.
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "kaiku/v1/admin.grpc.pb.h"
#include "lib/ingest/stored_visitor.h"
#include "lib/scoring/model_loader.h"
#include "lib/storage/store.h"
#include "tests/testing/events.h"
#include "tests/testing/kaikud_process.h"
#include "tests/testing/scenarios.h"
#include "tests/testing/temp_dir.h"

namespace kaiku {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::testing::EndingAt;
using ::kaiku::testing::Journey;
using ::kaiku::testing::Jsonl;
using ::kaiku::testing::KaikudProcess;
using ::kaiku::v1::Event;
using ::testing::HasSubstr;

class ScoringIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteModel(std::string(scoring::DefaultModelText()));
  }

  void WriteModel(const std::string& text) {
    std::ofstream(model_path_, std::ios::trunc) << text;
  }

  void Start() {
    auto p = KaikudProcess::Start(dir_.Sub("data"), {"--model=" + model_path_});
    ASSERT_TRUE(p.ok()) << p.status();
    server_ = std::move(p).value();
  }

  void Publish(const std::vector<Event>& events, int batch = 100) {
    auto result =
        kaiku::testing::RunCommand({kaiku::testing::KaikuctlPath(), "publish",
                                    Addr(), absl::StrCat("--batch=", batch)},
                                   Jsonl(events));
    ASSERT_EQ(result.exit_code, 0) << result.out;
  }

  kaiku::v1::VisitorProfile Get(const std::string& visitor) {
    auto profile = kaiku::testing::KaikuctlGet(*server_, visitor);
    EXPECT_TRUE(profile.ok()) << profile.status();
    return profile.value_or(kaiku::v1::VisitorProfile());
  }

  // The score log, read from the data directory once kaikud has exited.
  std::vector<storage::ScoreLogEntry> ScoreLog() {
    storage::StoreOptions options;
    options.path = dir_.Sub("data") + "/db";
    auto store = storage::Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return *(*store)->ReadScoreLog("default", 0, 100000);
  }

  std::string Addr() const { return "--addr=" + server_->address(); }

  kaiku::testing::TempDir dir_;
  const std::string model_path_ = dir_.Sub("model.textproto");
  std::unique_ptr<KaikudProcess> server_;
  const absl::Time now_ = absl::Now();
};

TEST_F(ScoringIntegrationTest, BriefVisitorsEndWhereTheBriefSays) {
  Start();
  const absl::Time last = now_ - absl::Minutes(20);
  Publish(EndingAt(kaiku::testing::InformationSeeker, "v-info", last).events());
  Publish(EndingAt(kaiku::testing::Researcher, "v-research", last).events());
  Publish(EndingAt(kaiku::testing::Buyer, "v-buyer", last).events());
  Publish(EndingAt(kaiku::testing::JobSeeker, "v-job", last).events());
  Publish(EndingAt(kaiku::testing::SupportVisitor, "v-support", last).events());
  Publish(EndingAt(kaiku::testing::Bot, "v-bot", last).events());

  kaiku::v1::VisitorProfile info = Get("v-info");
  EXPECT_EQ(info.level(), kaiku::v1::LEVEL_COLD);
  EXPECT_EQ(info.segment(), kaiku::v1::SEGMENT_INFORMATION_SEEKER);
  EXPECT_EQ(info.stage(), kaiku::v1::STAGE_AWARENESS);
  EXPECT_EQ(info.session_count(), 3);

  kaiku::v1::VisitorProfile research = Get("v-research");
  EXPECT_EQ(research.level(), kaiku::v1::LEVEL_WARM) << research.score();
  EXPECT_EQ(research.segment(), kaiku::v1::SEGMENT_RESEARCHER);
  EXPECT_EQ(research.stage(), kaiku::v1::STAGE_COMPARISON);
  EXPECT_EQ(research.explanation().contributions(0).signal(),
            "product_seconds");

  kaiku::v1::VisitorProfile buyer = Get("v-buyer");
  EXPECT_GE(buyer.level(), kaiku::v1::LEVEL_HOT) << buyer.score();
  EXPECT_EQ(buyer.segment(), kaiku::v1::SEGMENT_BUYER);
  EXPECT_EQ(buyer.stage(), kaiku::v1::STAGE_DECISION);
  EXPECT_EQ(buyer.explanation().contributions(0).signal(), "price_list_views");
  EXPECT_EQ(buyer.model_version(), scoring::DefaultModel()->version());

  kaiku::v1::VisitorProfile job = Get("v-job");
  EXPECT_EQ(job.level(), kaiku::v1::LEVEL_COLD);
  EXPECT_THAT(job.explanation().reasons(),
              ::testing::ElementsAre(HasSubstr("job seeker")));
  kaiku::v1::VisitorProfile support = Get("v-support");
  EXPECT_THAT(support.explanation().reasons(),
              ::testing::ElementsAre(HasSubstr("existing customer")));
  kaiku::v1::VisitorProfile bot = Get("v-bot");
  EXPECT_EQ(bot.level(), kaiku::v1::LEVEL_COLD);
  EXPECT_THAT(bot.explanation().reasons(),
              ::testing::ElementsAre(HasSubstr("bot")));

  auto leads = kaiku::testing::RunCommand(
      {kaiku::testing::KaikuctlPath(), "leads", Addr()}, "");
  ASSERT_EQ(leads.exit_code, 0);
  EXPECT_THAT(leads.out, HasSubstr("\"visitorId\":\"v-buyer\""));
  EXPECT_LT(leads.out.find("v-buyer"), leads.out.find("v-research"));
  EXPECT_THAT(leads.out, ::testing::Not(HasSubstr("v-info")));

  ASSERT_EQ(server_->Terminate(), 0);
  int buyer_triggers = 0, disqualified = 0;
  for (const storage::ScoreLogEntry& entry : ScoreLog()) {
    const kaiku::v1::ScoreEvent& e = entry.event;
    EXPECT_NE(e.visitor_id(), "v-bot");
    EXPECT_NE(e.visitor_id(), "v-info");
    if (e.visitor_id() == "v-buyer" &&
        e.kind() == kaiku::v1::SCORE_EVENT_KIND_TRIGGER_FIRED) {
      EXPECT_EQ(e.trigger(), "third_price_list_view_today");
      ++buyer_triggers;
    }
    if (e.kind() == kaiku::v1::SCORE_EVENT_KIND_DISQUALIFIED) ++disqualified;
  }
  EXPECT_EQ(buyer_triggers, 1);
  EXPECT_EQ(disqualified, 2);  // the job seeker and the support visitor
}

TEST_F(ScoringIntegrationTest, ShuffledAndRebatchedEventsGiveTheSameResult) {
  Start();
  const absl::Time last = now_ - absl::Minutes(20);
  std::vector<Event> ordered =
      EndingAt(kaiku::testing::Researcher, "v-ordered", last).events();
  std::vector<Event> shuffled = ordered;
  for (Event& e : shuffled) {
    e.set_visitor_id("v-shuffled");
    e.set_event_id(
        absl::StrReplaceAll(e.event_id(), {{"ordered", "shuffled"}}));
  }
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  Publish(ordered);
  for (size_t i = 0; i < shuffled.size(); i += 4) {
    Publish({shuffled.begin() + i,
             shuffled.begin() + std::min(i + 4, shuffled.size())},
            2);
  }
  kaiku::v1::VisitorProfile a = Get("v-ordered");
  kaiku::v1::VisitorProfile b = Get("v-shuffled");
  EXPECT_EQ(a.level(), b.level());
  EXPECT_EQ(a.segment(), b.segment());
  EXPECT_EQ(a.stage(), b.stage());
  EXPECT_EQ(a.event_count(), b.event_count());
  EXPECT_EQ(a.session_count(), b.session_count());
  EXPECT_NEAR(a.score(), b.score(), 1e-4);  // read a few ms apart: decay
  ASSERT_EQ(a.explanation().contributions_size(),
            b.explanation().contributions_size());
  for (int i = 0; i < a.explanation().contributions_size(); ++i) {
    EXPECT_EQ(a.explanation().contributions(i).signal(),
              b.explanation().contributions(i).signal());
  }
}

TEST_F(ScoringIntegrationTest, QuietBuyerCooledAtTheMomentItHappened) {
  Start();
  Journey buyer =
      EndingAt(kaiku::testing::Buyer, "v-quiet", now_ - absl::Hours(240));
  Publish(buyer.events());
  kaiku::v1::VisitorProfile profile = Get("v-quiet");
  EXPECT_LT(profile.level(), kaiku::v1::LEVEL_HOT) << profile.score();

  // Where the scorer says the level dropped from sales-ready.
  std::shared_ptr<const scoring::Model> model = scoring::DefaultModel();
  scoring::Scorer scorer(*model);
  std::vector<kaiku::v1::ScoreEvent> ignored;
  scoring::VisitorState state = scorer.NewState();
  for (const Event& e : buyer.events()) scorer.Apply(e, state, &ignored);
  const std::optional<int64_t> drop =
      scorer.NextWakeUp(state, state.last_event);
  ASSERT_TRUE(drop.has_value());

  ASSERT_EQ(server_->Terminate(), 0);
  std::vector<kaiku::v1::ScoreEvent> changes;
  for (const storage::ScoreLogEntry& entry : ScoreLog()) {
    if (entry.event.kind() == kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED)
      changes.push_back(entry.event);
  }
  ASSERT_GE(changes.size(), 2u);
  auto from_top =
      std::find_if(changes.begin(), changes.end(), [](const auto& e) {
        return e.previous_level() == kaiku::v1::LEVEL_SALES_READY;
      });
  ASSERT_NE(from_top, changes.end());
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(from_top->occurred_at()), *drop);
  EXPECT_EQ(changes.back().level(), profile.level());
}

TEST_F(ScoringIntegrationTest,
       BrokenModelIsRefusedAndTheRunningOneKeepsScoring) {
  Start();
  const std::string good = std::string(scoring::DefaultModelText());
  WriteModel(absl::StrReplaceAll(
      good, {{"hot { enter: 50 exit: 40 }", "hot { enter: 50 exit: 60 }"}}));

  auto admin = kaiku::v1::Admin::NewStub(server_->channel());
  grpc::ClientContext context;
  kaiku::v1::ReloadModelResponse response;
  grpc::Status status =
      admin->ReloadModel(&context, kaiku::v1::ReloadModelRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("model.textproto:"));
  EXPECT_THAT(status.error_message(), HasSubstr("levels.hot.exit"));
  auto cli = kaiku::testing::RunCommand(
      {kaiku::testing::KaikuctlPath(), "reload-model", Addr()}, "");
  EXPECT_EQ(cli.exit_code, 1);
  server_->Signal(SIGHUP);  // refused the same way; the server stays up

  Publish(EndingAt(kaiku::testing::Buyer, "v-after", now_ - absl::Minutes(20))
              .events());
  kaiku::v1::VisitorProfile profile = Get("v-after");
  EXPECT_EQ(profile.model_version(), scoring::DefaultModel()->version());
  EXPECT_GE(profile.level(), kaiku::v1::LEVEL_HOT);

  // A good file with a new version is taken on SIGHUP.
  WriteModel(absl::StrReplaceAll(
      good, {{scoring::DefaultModel()->version(), "test-v2"}}));
  server_->Signal(SIGHUP);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (Get("v-after").model_version() != "test-v2" &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(Get("v-after").model_version(), "test-v2");
  auto reload = kaiku::testing::RunCommand(
      {kaiku::testing::KaikuctlPath(), "reload-model", Addr()}, "");
  EXPECT_EQ(reload.exit_code, 0);
  EXPECT_THAT(reload.out, HasSubstr("\"modelVersion\":\"test-v2\""));
}

}  // namespace
}  // namespace kaiku
