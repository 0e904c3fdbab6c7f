// Decay without events, recomputation and determinism of the scorer.
#include "lib/scoring/scorer.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "lib/scoring/fold.h"
#include "lib/scoring/model_loader.h"
#include "tests/testing/scenarios.h"

namespace kaiku::scoring {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::testing::Journey;
using ::kaiku::v1::Event;
using ::kaiku::v1::ScoreEvent;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01
constexpr int64_t kSecond = 1000000;

class ScorerTest : public ::testing::Test {
 protected:
  VisitorState Fold(const std::vector<Event>& events,
                    std::vector<ScoreEvent>* out = nullptr) {
    VisitorState state = scorer_.NewState();
    for (const Event& e : events) scorer_.Apply(e, state, out);
    return state;
  }

  // The first whole second at or after `from` at which the score is below
  // `exit` and the level has been held for min_time_in_level — found by
  // stepping through every second.
  int64_t BruteForceDrop(const VisitorState& s, double exit, int64_t from) {
    const int64_t min_time = model_->levels().min_time_in_level_micros;
    for (int64_t t = (from / kSecond + 1) * kSecond;; t += kSecond) {
      if (t - s.level_since < min_time) continue;
      if (ScoreAt(s, t) < exit) return t;
    }
  }

  double ScoreAt(const VisitorState& s, int64_t t) {
    // The score without level logic: Evaluate's score is exactly that.
    return scorer_.Evaluate(s, t).score;
  }

  std::shared_ptr<const Model> model_ = DefaultModel();
  Scorer scorer_{*model_};
};

TEST_F(ScorerTest, HotVisitorWhoGoesQuietCoolsAtTheRightMoment) {
  Journey buyer = kaiku::testing::Buyer("v-buyer", kStart);
  std::vector<ScoreEvent> published;
  VisitorState state = Fold(buyer.events(), &published);
  ASSERT_EQ(state.level, kaiku::v1::LEVEL_SALES_READY);
  ASSERT_EQ(state.published.level, kaiku::v1::LEVEL_SALES_READY);

  const int64_t expected = BruteForceDrop(state, 65.0, state.last_event);
  std::optional<int64_t> wake = scorer_.NextWakeUp(state, state.last_event);
  ASSERT_TRUE(wake.has_value());
  EXPECT_EQ(*wake, expected);
  EXPECT_EQ(scorer_.Evaluate(state, *wake - kSecond).level,
            kaiku::v1::LEVEL_SALES_READY);
  EXPECT_EQ(scorer_.Evaluate(state, *wake).level, kaiku::v1::LEVEL_HOT);

  // A timer one second early sends nothing; on time, exactly the drop.
  std::vector<ScoreEvent> out;
  scorer_.Tick(state, *wake - kSecond, &out);
  EXPECT_TRUE(out.empty());
  scorer_.Tick(state, *wake, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind(), kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED);
  EXPECT_EQ(out[0].previous_level(), kaiku::v1::LEVEL_SALES_READY);
  EXPECT_EQ(out[0].level(), kaiku::v1::LEVEL_HOT);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(out[0].occurred_at()), *wake);
  EXPECT_LT(out[0].score(), 65.0);
  out.clear();
  scorer_.Tick(state, *wake, &out);
  EXPECT_TRUE(out.empty());

  // A timer that runs late still dates every drop at its own moment.
  std::vector<int64_t> chain;
  VisitorState probe = state;
  for (std::optional<int64_t> t = scorer_.NextWakeUp(probe, *wake);
       t.has_value(); t = scorer_.NextWakeUp(probe, *t)) {
    chain.push_back(*t);
    std::vector<ScoreEvent> ignored;
    scorer_.Tick(probe, *t, &ignored);
  }
  ASSERT_EQ(chain.size(), 2u);  // hot -> warm -> cold
  scorer_.Tick(state, chain.back() + int64_t{30} * 86400 * kSecond, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].level(), kaiku::v1::LEVEL_WARM);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(out[0].occurred_at()), chain[0]);
  EXPECT_EQ(out[1].level(), kaiku::v1::LEVEL_COLD);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(out[1].occurred_at()), chain[1]);
  EXPECT_FALSE(scorer_.NextWakeUp(state, chain.back()).has_value());
}

TEST_F(ScorerTest, TimerAndLaterEventNeverRepeatALevelChange) {
  Journey buyer = kaiku::testing::Buyer("v-buyer", kStart);
  std::vector<ScoreEvent> out;
  VisitorState state = Fold(buyer.events(), &out);
  std::optional<int64_t> wake = scorer_.NextWakeUp(state, state.last_event);
  ASSERT_TRUE(wake.has_value());
  out.clear();
  scorer_.Tick(state, *wake, &out);
  ASSERT_EQ(out.size(), 1u);
  // The visitor comes back to read a blog post two days later: the fold
  // passes the same drops on its way, and only what is new is sent.
  Journey back("v-buyer", absl::FromUnixMicros(*wake) + absl::Hours(48));
  back.Page("https://www.veneet.example/blogi/x", absl::Minutes(1));
  out.clear();
  scorer_.Apply(back.events()[0], state, &out);
  for (const ScoreEvent& e : out) {
    if (e.kind() == kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED)
      EXPECT_NE(e.previous_level(), kaiku::v1::LEVEL_SALES_READY);
  }
  EXPECT_EQ(state.published.level,
            scorer_.Evaluate(state, state.last_event).level);
}

// Random permutations and batchings of the same events give the same state.
TEST_F(ScorerTest, ArrivalOrderAndBatchingDoNotChangeTheState) {
  std::vector<Journey> journeys = {
      kaiku::testing::InformationSeeker("v1", kStart),
      kaiku::testing::Researcher("v2", kStart),
      kaiku::testing::Buyer("v3", kStart),
      kaiku::testing::JobSeeker("v4", kStart),
      kaiku::testing::SupportVisitor("v5", kStart),
      kaiku::testing::Bot("v6", kStart),
  };
  std::mt19937 rng(20261124);
  for (const Journey& journey : journeys) {
    const VisitorState expected = Fold(journey.events());
    for (int trial = 0; trial < 40; ++trial) {
      std::vector<Event> shuffled = journey.events();
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      VisitorState state = scorer_.NewState();
      std::vector<Event> stored;
      size_t next = 0;
      int recomputations = 0;
      while (next < shuffled.size()) {
        const size_t batch = std::uniform_int_distribution<size_t>(
            1, std::min<size_t>(6, shuffled.size() - next))(rng);
        std::vector<const Event*> events;
        for (size_t i = next; i < next + batch; ++i)
          events.push_back(&shuffled[i]);
        std::vector<ScoreEvent> out;
        absl::StatusOr<FoldResult> result = FoldEvents(
            scorer_, events,
            [&]() -> absl::StatusOr<std::vector<Event>> { return stored; },
            state, &out);
        ASSERT_TRUE(result.ok()) << result.status();
        recomputations += result->recomputed ? 1 : 0;
        for (size_t i = next; i < next + batch; ++i)
          stored.push_back(shuffled[i]);
        next += batch;
      }
      VisitorState fold_only = state;
      fold_only.published = expected.published;
      ASSERT_EQ(fold_only, expected)
          << journey.visitor() << " trial " << trial << " (" << recomputations
          << " recomputations)";
      const int64_t later = state.last_event + 3600 * kSecond;
      EXPECT_EQ(scorer_.Evaluate(state, later).score,
                scorer_.Evaluate(expected, later).score);
    }
  }
}

TEST_F(ScorerTest, LateEventIsPlacedAtItsTimeAndSendsOnlyTheDifference) {
  Journey buyer = kaiku::testing::Buyer("v-buyer", kStart);
  std::vector<Event> events = buyer.events();
  const Event download = events[5];
  events.erase(events.begin() + 5);
  std::vector<ScoreEvent> out;
  VisitorState state = Fold(events, &out);
  const int triggers_before = static_cast<int>(
      std::count_if(out.begin(), out.end(), [](const ScoreEvent& e) {
        return e.kind() == kaiku::v1::SCORE_EVENT_KIND_TRIGGER_FIRED;
      }));
  EXPECT_EQ(triggers_before, 1);
  out.clear();
  absl::StatusOr<FoldResult> result = FoldEvents(
      scorer_, {&download},
      [&]() -> absl::StatusOr<std::vector<Event>> { return events; }, state,
      &out);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->recomputed);
  VisitorState expected = Fold(buyer.events());
  expected.published = state.published;
  EXPECT_EQ(state, expected);
  for (const ScoreEvent& e : out)
    EXPECT_NE(e.kind(), kaiku::v1::SCORE_EVENT_KIND_TRIGGER_FIRED);
}

// The stream's time rule: however a backfill is split, with the view
// evaluated at `now` after each part (as the ingest worker does), what is
// published never goes back in time, a level is never re-announced, and the
// state ends as the in-order fold.
TEST_F(ScorerTest, BackfillInAnySplitNeverGoesBackInTime) {
  const Journey buyer = kaiku::testing::Buyer("v-buyer", kStart);
  const int64_t now = absl::ToUnixMicros(kStart + absl::Hours(72));
  const VisitorState expected = Fold(buyer.events());
  std::mt19937 rng(20261202);
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<Event> events = buyer.events();
    if (trial % 2 == 1) std::shuffle(events.begin(), events.end(), rng);
    VisitorState state = scorer_.NewState();
    std::vector<Event> stored;
    std::vector<ScoreEvent> out;
    for (size_t next = 0; next < events.size();) {
      const size_t batch = std::uniform_int_distribution<size_t>(
          1, std::min<size_t>(3, events.size() - next))(rng);
      std::vector<const Event*> part;
      for (size_t i = next; i < next + batch; ++i) part.push_back(&events[i]);
      ASSERT_TRUE(
          FoldEvents(
              scorer_, part,
              [&]() -> absl::StatusOr<std::vector<Event>> { return stored; },
              state, &out)
              .ok());
      scorer_.Tick(state, now + static_cast<int64_t>(next) * kSecond, &out);
      for (size_t i = next; i < next + batch; ++i) stored.push_back(events[i]);
      next += batch;
    }
    int64_t last = INT64_MIN;
    kaiku::v1::Level level = kaiku::v1::LEVEL_COLD;
    for (const ScoreEvent& e : out) {
      const int64_t t = TimeUtil::TimestampToMicroseconds(e.occurred_at());
      EXPECT_GE(t, last) << "trial " << trial;
      last = std::max(last, t);
      if (e.kind() != kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED) continue;
      EXPECT_NE(e.level(), level) << "trial " << trial;
      level = e.level();
    }
    EXPECT_EQ(state.published.level, level);
    VisitorState fold_only = state;
    fold_only.published = expected.published;
    EXPECT_EQ(fold_only, expected) << "trial " << trial;
  }
}

TEST_F(ScorerTest, HistoryErrorLeavesTheStateUnchanged) {
  Journey buyer = kaiku::testing::Buyer("v-buyer", kStart);
  VisitorState state = Fold(buyer.events());
  const VisitorState before = state;
  const Event late = buyer.events()[0];
  absl::StatusOr<FoldResult> result = FoldEvents(
      scorer_, {&late},
      []() -> absl::StatusOr<std::vector<Event>> {
        return absl::UnavailableError("disk");
      },
      state, nullptr);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(state, before);
}

TEST_F(ScorerTest, StateOfAnotherModelIsRecomputed) {
  kaiku::config::v1::ScoringModel changed = model_->proto();
  changed.set_version("changed");
  changed.set_bias(-3.0);
  absl::StatusOr<std::shared_ptr<const Model>> other = Model::Compile(changed);
  ASSERT_TRUE(other.ok());
  Scorer other_scorer(**other);
  Journey buyer = kaiku::testing::Buyer("v-buyer", kStart);
  std::vector<Event> events = buyer.events();
  const Event last = events.back();
  events.pop_back();
  VisitorState state = Fold(events);
  absl::StatusOr<FoldResult> result = FoldEvents(
      other_scorer, {&last},
      [&]() -> absl::StatusOr<std::vector<Event>> { return events; }, state,
      nullptr);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->recomputed);
  EXPECT_EQ(state.model_fingerprint, (*other)->fingerprint());
}

}  // namespace
}  // namespace kaiku::scoring
