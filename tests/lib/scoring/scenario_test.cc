// The brief's visitors through the default model
// (deploy/config/model.textproto).
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "lib/scoring/model_loader.h"
#include "lib/scoring/scorer.h"
#include "tests/testing/scenarios.h"

namespace kaiku::scoring {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::testing::Journey;
using ::kaiku::v1::ScoreEvent;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

struct Outcome {
  VisitorState state;
  std::vector<ScoreEvent> events;
  Scorer::View view;
  kaiku::v1::Explanation explanation;
};

class ScenarioTest : public ::testing::Test {
 protected:
  Outcome Run(const Journey& journey) {
    Outcome o;
    o.state = scorer_.NewState();
    for (const kaiku::v1::Event& e : journey.events())
      scorer_.Apply(e, o.state, &o.events);
    const int64_t at = o.state.last_event;
    o.view = scorer_.Evaluate(o.state, at);
    scorer_.Explain(o.state, at, &o.explanation);
    return o;
  }

  static std::vector<kaiku::v1::ScoreEventKind> Kinds(
      const std::vector<ScoreEvent>& events) {
    std::vector<kaiku::v1::ScoreEventKind> kinds;
    for (const ScoreEvent& e : events) kinds.push_back(e.kind());
    return kinds;
  }

  std::shared_ptr<const Model> model_ = DefaultModel();
  Scorer scorer_{*model_};
};

TEST_F(ScenarioTest, InformationSeekerStaysColdAndIsSegmentedAsSuch) {
  Outcome o = Run(kaiku::testing::InformationSeeker("v-info", kStart));
  EXPECT_EQ(o.view.level, kaiku::v1::LEVEL_COLD);
  EXPECT_EQ(o.view.segment, kaiku::v1::SEGMENT_INFORMATION_SEEKER);
  EXPECT_EQ(o.view.stage, kaiku::v1::STAGE_AWARENESS);
  EXPECT_LT(o.view.score, 20);
  EXPECT_EQ(o.state.session_count, 3);
  // Nothing a CRM should act on: the third visit was not within a week.
  EXPECT_THAT(o.events, IsEmpty());
  ASSERT_GT(o.explanation.contributions_size(), 0);
  EXPECT_EQ(o.explanation.contributions(0).signal(), "sessions");
}

TEST_F(ScenarioTest, ResearcherWarmsUpOverThreeVisitsInAWeek) {
  Journey journey = kaiku::testing::Researcher("v-research", kStart);
  Outcome o = Run(journey);
  EXPECT_EQ(o.view.level, kaiku::v1::LEVEL_WARM) << o.view.score;
  EXPECT_EQ(o.view.segment, kaiku::v1::SEGMENT_RESEARCHER);
  EXPECT_EQ(o.view.stage, kaiku::v1::STAGE_COMPARISON);
  int warm_events = 0;
  for (const ScoreEvent& e : o.events) {
    if (e.kind() == kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED) {
      EXPECT_EQ(e.level(), kaiku::v1::LEVEL_WARM);
      EXPECT_EQ(e.previous_level(), kaiku::v1::LEVEL_COLD);
      EXPECT_EQ(e.model_version(), model_->version());
      ++warm_events;
    }
  }
  EXPECT_EQ(warm_events, 1);
  // One visit is not yet enough to warm up.
  Journey first_visit("v-research", kStart);
  for (int i = 0; i < 7; ++i) {
    const kaiku::v1::Event& e = journey.events()[i];
    first_visit.Page(e.page_view().url(), absl::Seconds(90));
  }
  EXPECT_EQ(Run(first_visit).view.level, kaiku::v1::LEVEL_COLD);
  ASSERT_FALSE(o.explanation.contributions().empty());
  EXPECT_EQ(o.explanation.contributions(0).signal(), "product_seconds");
  for (int i = 1; i < o.explanation.contributions_size(); ++i) {
    EXPECT_GE(std::abs(o.explanation.contributions(i - 1).contribution()),
              std::abs(o.explanation.contributions(i).contribution()));
  }
}

TEST_F(ScenarioTest, BuyerBecomesSalesReadyAndTheTriggerFiresOnce) {
  Journey journey = kaiku::testing::Buyer("v-buyer", kStart);
  // Later the same day: the price list a fourth time.
  journey.Wait(absl::Hours(3))
      .Page(absl::StrCat(kaiku::testing::kSite, "/hinnasto"), absl::Minutes(1));
  Outcome o = Run(journey);
  EXPECT_GE(o.view.level, kaiku::v1::LEVEL_HOT) << o.view.score;
  EXPECT_EQ(o.view.segment, kaiku::v1::SEGMENT_BUYER);
  EXPECT_EQ(o.view.stage, kaiku::v1::STAGE_DECISION);
  std::vector<std::string> triggers;
  for (const ScoreEvent& e : o.events) {
    if (e.kind() == kaiku::v1::SCORE_EVENT_KIND_TRIGGER_FIRED)
      triggers.push_back(e.trigger());
  }
  EXPECT_THAT(triggers, ElementsAre("third_price_list_view_today"));
  // The trigger fired at the third price-list view (the journey's 7th event).
  for (const ScoreEvent& e : o.events) {
    if (e.kind() != kaiku::v1::SCORE_EVENT_KIND_TRIGGER_FIRED) continue;
    EXPECT_EQ(e.occurred_at(), journey.events()[6].occurred_at());
  }
  EXPECT_EQ(o.explanation.contributions(0).signal(), "price_list_views");
}

TEST_F(ScenarioTest, JobSeekerIsDisqualifiedWithTheReason) {
  Outcome o = Run(kaiku::testing::JobSeeker("v-job", kStart));
  EXPECT_EQ(o.view.level, kaiku::v1::LEVEL_COLD);
  EXPECT_THAT(Kinds(o.events),
              ElementsAre(kaiku::v1::SCORE_EVENT_KIND_DISQUALIFIED));
  EXPECT_THAT(o.events[0].explanation().reasons(),
              ElementsAre(::testing::HasSubstr("job seeker")));
  EXPECT_THAT(o.explanation.reasons(),
              ElementsAre(::testing::HasSubstr("job seeker")));
}

TEST_F(ScenarioTest, SupportOnlyVisitorIsDisqualifiedAsExistingCustomer) {
  Outcome o = Run(kaiku::testing::SupportVisitor("v-support", kStart));
  EXPECT_EQ(o.view.level, kaiku::v1::LEVEL_COLD);
  EXPECT_THAT(Kinds(o.events),
              ElementsAre(kaiku::v1::SCORE_EVENT_KIND_DISQUALIFIED));
  EXPECT_THAT(o.explanation.reasons(),
              ElementsAre(::testing::HasSubstr("existing customer")));
}

TEST_F(ScenarioTest, BotProducesNoScoreEvent) {
  Outcome o = Run(kaiku::testing::Bot("v-bot", kStart));
  EXPECT_TRUE(o.state.is_bot());
  EXPECT_THAT(o.events, IsEmpty());
  EXPECT_EQ(o.view.level, kaiku::v1::LEVEL_COLD);
  EXPECT_THAT(o.explanation.reasons(),
              ElementsAre(::testing::HasSubstr("bot")));
  // Not even once it goes quiet.
  std::vector<ScoreEvent> later;
  scorer_.Tick(o.state, Micros(kStart + absl::Hours(24 * 1)), &later);
  EXPECT_THAT(later, IsEmpty());
  EXPECT_FALSE(scorer_.NextWakeUp(o.state, Micros(kStart)).has_value());
}

TEST_F(ScenarioTest, QuickHumanClicksWaitForTheBurstToDrainThenPublish) {
  // A person who opens the price list three times within seconds: the
  // trigger waits until the clicks have slowed down, then is sent once.
  Journey j("v-quick", kStart);
  j.Page(absl::StrCat(kaiku::testing::kSite, "/hinnasto"), absl::Seconds(1))
      .Page(absl::StrCat(kaiku::testing::kSite, "/hinnasto"), absl::Seconds(1))
      .Page(absl::StrCat(kaiku::testing::kSite, "/hinnasto"), absl::Seconds(1));
  Outcome o = Run(j);
  EXPECT_FALSE(o.state.is_bot());
  // The first page view was an ordinary click: its changes went out at once.
  EXPECT_THAT(Kinds(o.events),
              ElementsAre(kaiku::v1::SCORE_EVENT_KIND_STAGE_CHANGED,
                          kaiku::v1::SCORE_EVENT_KIND_SEGMENT_CHANGED));
  EXPECT_EQ(o.events[0].occurred_at(), j.events()[0].occurred_at());
  std::optional<int64_t> wake = scorer_.NextWakeUp(o.state, o.state.last_event);
  ASSERT_TRUE(wake.has_value());
  EXPECT_GT(*wake, o.state.last_event);
  EXPECT_LT(*wake, o.state.last_event + 60 * 1000000);
  std::vector<ScoreEvent> later;
  scorer_.Tick(o.state, *wake, &later);
  std::vector<std::string> triggers;
  for (const ScoreEvent& e : later)
    if (!e.trigger().empty()) triggers.push_back(e.trigger());
  EXPECT_THAT(triggers, ElementsAre("third_price_list_view_today"));
  later.clear();
  scorer_.Tick(o.state, *wake + 3600 * int64_t{1000000}, &later);
  for (const ScoreEvent& e : later) EXPECT_TRUE(e.trigger().empty());
}

}  // namespace
}  // namespace kaiku::scoring
