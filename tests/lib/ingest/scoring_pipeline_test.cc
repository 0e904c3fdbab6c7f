// Scoring inside the ingest pipeline: states, leads and score events stored
// with the events; decay wake-ups by a fake clock; restart; late events.
#include <atomic>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "lib/ingest/live_state_store.h"
#include "lib/ingest/pipeline.h"
#include "lib/ingest/stored_visitor.h"
#include "lib/scoring/model_loader.h"
#include "tests/testing/events.h"
#include "tests/testing/pipeline.h"
#include "tests/testing/scenarios.h"
#include "tests/testing/temp_dir.h"

namespace kaiku::ingest {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::testing::Journey;
using ::kaiku::v1::Event;
using ::testing::ElementsAre;

const absl::Time kStart = absl::FromUnixSeconds(1800000000);

class ScoringPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.path = dir_.Sub("db");
    options.clock = &clock_;
    store_ = *storage::Store::Open(options);
  }

  std::unique_ptr<IngestPipeline> Start(storage::Store* store = nullptr) {
    PipelineOptions options;
    options.shards = 2;
    options.clock = &clock_;
    options.model = &model_;
    options.on_score_events = [this](const ScoreEventTally& tally) {
      absl::MutexLock lock(&mu_);
      score_events_ += tally.total;
    };
    return std::make_unique<IngestPipeline>(
        store != nullptr ? store : store_.get(), options);
  }

  std::vector<StoreOutcome> Outcomes(IngestPipeline& pipeline,
                                     const std::vector<Event>& events) {
    auto written = kaiku::testing::SubmitAndWait(pipeline, "t", events);
    EXPECT_TRUE(written.ok()) << written.status();
    return written.value_or(std::vector<StoreOutcome>());
  }

  void Submit(IngestPipeline& pipeline, const std::vector<Event>& events) {
    auto written = kaiku::testing::SubmitAndWait(pipeline, "t", events);
    ASSERT_TRUE(written.ok()) << written.status();
  }

  // Waits (bounded) until the pipeline has committed `n` score events in all.
  bool WaitForScoreEvents(int64_t n) {
    absl::MutexLock lock(&mu_);
    wanted_ = n;
    return mu_.AwaitWithTimeout(
        absl::Condition(this, &ScoringPipelineTest::Reached),
        absl::Seconds(30));
  }
  bool Reached() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return score_events_ >= wanted_;
  }

  std::vector<storage::ScoreLogEntry> Log() {
    return *store_->ReadScoreLog("t", 0, 1000);
  }

  // The visitor's state as the running pipeline has it.
  scoring::VisitorState State(const IngestPipeline& pipeline,
                              const std::string& visitor) {
    LiveStateStore live(store_.get(), &pipeline);
    return DecodeStoredVisitor(**live.GetVisitorState("t", visitor))->state;
  }
  // The visitor's stored state (all are written when a pipeline stops).
  scoring::VisitorState StoredState(const std::string& visitor) {
    return DecodeStoredVisitor(**store_->GetVisitorState("t", visitor))->state;
  }

  kaiku::testing::TempDir dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<storage::Store> store_;
  scoring::CurrentModel model_{scoring::DefaultModel()};
  absl::Mutex mu_;
  int64_t score_events_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t wanted_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST_F(ScoringPipelineTest, StoresStateLeadAndScoreEventsWithTheEvents) {
  auto pipeline = Start();
  Journey buyer = kaiku::testing::Buyer("v-buyer", kStart);
  clock_.Advance(absl::Minutes(15));
  Submit(*pipeline, buyer.events());
  std::vector<storage::ScoreLogEntry> log = Log();
  ASSERT_FALSE(log.empty());
  std::vector<std::string> triggers;
  for (const auto& entry : log) {
    EXPECT_EQ(entry.event.visitor_id(), "v-buyer");
    EXPECT_EQ(entry.event.model_version(), model_.Get()->version());
    if (!entry.event.trigger().empty())
      triggers.push_back(entry.event.trigger());
  }
  EXPECT_THAT(triggers, ::testing::ElementsAre("third_price_list_view_today"));
  EXPECT_EQ(log.back().sequence, log.size());
  EXPECT_EQ(State(*pipeline, "v-buyer").event_count, 7);
  std::vector<std::string> leads;
  ASSERT_TRUE(store_
                  ->ForEachLead("t",
                                [&](absl::string_view, absl::string_view v) {
                                  leads.emplace_back(v);
                                })
                  .ok());
  EXPECT_THAT(leads, ::testing::ElementsAre("v-buyer"));
}

TEST_F(ScoringPipelineTest,
       QuietVisitorCoolsWhenTheClockGetsThereEvenAfterRestart) {
  Journey buyer = kaiku::testing::Buyer("v-buyer", kStart);
  clock_.Advance(absl::Minutes(15));
  int64_t before = 0;
  {
    auto pipeline = Start();
    Submit(*pipeline, buyer.events());
    before = static_cast<int64_t>(Log().size());
  }
  const std::shared_ptr<const scoring::Model> model = model_.Get();
  const scoring::Scorer scorer(*model);
  const std::optional<int64_t> wake = scorer.NextWakeUp(
      StoredState("v-buyer"), absl::ToUnixMicros(clock_.Now()));
  ASSERT_TRUE(wake.has_value());

  auto pipeline = Start();  // restores the wake-up from the leads index
  clock_.Advance(absl::FromUnixMicros(*wake) - clock_.Now());
  pipeline->WakeUpForTest();
  ASSERT_TRUE(WaitForScoreEvents(before + 1));
  std::vector<storage::ScoreLogEntry> log = Log();
  ASSERT_EQ(static_cast<int64_t>(log.size()), before + 1);
  const kaiku::v1::ScoreEvent& cooled = log.back().event;
  EXPECT_EQ(cooled.kind(), kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED);
  EXPECT_EQ(cooled.previous_level(), kaiku::v1::LEVEL_SALES_READY);
  EXPECT_EQ(cooled.level(), kaiku::v1::LEVEL_HOT);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(cooled.occurred_at()), *wake);
}

// The erasure runs on the visitor's worker after the events queued before it,
// takes the cached state and the wake-up with it, and the next event starts
// from nothing.
TEST_F(ScoringPipelineTest, ErasureIsOrderedWithTheVisitorsEvents) {
  Journey buyer = kaiku::testing::Buyer("v-buyer", kStart);
  clock_.Advance(absl::Minutes(15));
  auto pipeline = Start();
  std::vector<const Event*> ptrs;
  for (const Event& e : buyer.events()) ptrs.push_back(&e);
  absl::Notification stored, erased;
  // Queued, not waited for: the erasure behind it must still see it.
  ASSERT_TRUE(pipeline
                  ->Submit("t", ptrs,
                           [&](absl::Status s, std::vector<StoreOutcome>) {
                             EXPECT_TRUE(s.ok()) << s;
                             stored.Notify();
                           })
                  .ok());
  int64_t erased_events = -1;
  ASSERT_TRUE(pipeline
                  ->SubmitErase("t", "v-buyer",
                                [&](absl::StatusOr<int64_t> n) {
                                  ASSERT_TRUE(n.ok()) << n.status();
                                  erased_events = *n;
                                  erased.Notify();
                                })
                  .ok());
  erased.WaitForNotification();
  ASSERT_TRUE(stored.HasBeenNotified());
  EXPECT_EQ(erased_events, 7);
  EXPECT_FALSE(store_->GetVisitorState("t", "v-buyer")->has_value());
  EXPECT_TRUE(Log().empty());
  const auto with_erased = *store_->ReadScoreLogWithErased("t", 0, 1000);
  ASSERT_FALSE(with_erased.empty());
  for (const auto& entry : with_erased) EXPECT_TRUE(entry.erased);

  // The sales-ready buyer had a wake-up pending: it must not write back.
  clock_.Advance(absl::Hours(24 * 30));
  pipeline->WakeUpForTest();
  Submit(*pipeline, {kaiku::testing::Journey("v-other", clock_.Now())
                         .Page("https://x.example/", absl::Seconds(1))
                         .events()});
  EXPECT_FALSE(store_->GetVisitorState("t", "v-buyer")->has_value());

  const Journey again = Journey("v-buyer", clock_.Now() - absl::Minutes(1))
                            .Page("https://x.example/blog/1", absl::Seconds(5));
  Submit(*pipeline, again.events());
  EXPECT_EQ(State(*pipeline, "v-buyer").event_count, 1);
  EXPECT_EQ(State(*pipeline, "v-buyer").published.level, kaiku::v1::LEVEL_COLD);
}

// Counts the store's event lookups (the dedupe reads).
class CountingStore : public storage::StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;
  absl::StatusOr<bool> ContainsEvent(absl::string_view tenant,
                                     const Event& event) override {
    ++lookups;
    return StoreWrapper::ContainsEvent(tenant, event);
  }
  std::atomic<int> lookups{0};
};

// Dedupe reads nothing for events in order: the visitor's state knows the
// time of its last event, so a later event is new. A retry or a late event
// (not later than the last) is looked up in the visitor's timeline: exact
// either way.
TEST_F(ScoringPipelineTest, OnlyEventsNotLaterThanTheLastAreLookedUp) {
  CountingStore counting(store_.get());
  auto pipeline = Start(&counting);
  constexpr StoreOutcome kStored = StoreOutcome::kStored;
  constexpr StoreOutcome kDuplicate = StoreOutcome::kDuplicate;
  const Event e1 = kaiku::testing::PageView("e1", "v", kStart);
  const Event e2 =
      kaiku::testing::PageView("e2", "v", kStart + absl::Minutes(1));
  const Event w1 = kaiku::testing::PageView("w1", "w", kStart);
  EXPECT_THAT(Outcomes(*pipeline, {e1, e2, w1}),
              ElementsAre(kStored, kStored, kStored));
  EXPECT_EQ(counting.lookups, 0);  // new visitors
  const Event e3 =
      kaiku::testing::PageView("e3", "v", kStart + absl::Minutes(2));
  EXPECT_THAT(Outcomes(*pipeline, {e3}), ElementsAre(kStored));
  EXPECT_EQ(counting.lookups, 0);  // later than v's last

  // Retries of v's last and of an older one, a late new event, a retry of
  // w's only event.
  const Event late =
      kaiku::testing::PageView("e0", "v", kStart - absl::Minutes(1));
  EXPECT_THAT(Outcomes(*pipeline, {e3, e1, late, w1}),
              ElementsAre(kDuplicate, kDuplicate, kStored, kDuplicate));
  EXPECT_EQ(counting.lookups, 4);
  EXPECT_EQ(State(*pipeline, "v").event_count, 4);
  EXPECT_EQ(State(*pipeline, "w").event_count, 1);

  // After a restart the states come from the store, with the same answers.
  pipeline.reset();
  pipeline = Start(&counting);
  counting.lookups = 0;
  const Event e4 =
      kaiku::testing::PageView("e4", "v", kStart + absl::Minutes(3));
  EXPECT_THAT(Outcomes(*pipeline, {late, e4}),
              ElementsAre(kDuplicate, kStored));
  EXPECT_EQ(counting.lookups, 1);
}

// In a store where events were once stored without scoring, a visitor's
// timeline may hold events later than its state: every event is looked up.
TEST_F(ScoringPipelineTest, EveryEventIsLookedUpWhereEventsWereStoredUnscored) {
  ASSERT_TRUE(store_->NoteEventsWithoutState().ok());
  CountingStore counting(store_.get());
  auto pipeline = Start(&counting);
  const Event e1 = kaiku::testing::PageView("e1", "v", kStart);
  const Event e2 =
      kaiku::testing::PageView("e2", "v", kStart + absl::Minutes(1));
  EXPECT_THAT(Outcomes(*pipeline, {e1}), ElementsAre(StoreOutcome::kStored));
  EXPECT_THAT(Outcomes(*pipeline, {e2, e1}),
              ElementsAre(StoreOutcome::kStored, StoreOutcome::kDuplicate));
  EXPECT_EQ(counting.lookups, 3);
  EXPECT_EQ(State(*pipeline, "v").event_count, 2);
}

TEST_F(ScoringPipelineTest, LateEventsAcrossWritesGiveTheInOrderState) {
  Journey buyer = kaiku::testing::Buyer("v-buyer", kStart);
  clock_.Advance(absl::Minutes(15));
  std::vector<Event> events = buyer.events();
  std::vector<Event> late = {events[1], events[5]};
  events.erase(events.begin() + 5);
  events.erase(events.begin() + 1);
  auto pipeline = Start();
  Submit(*pipeline, events);
  Submit(*pipeline, late);
  const scoring::Scorer scorer(*model_.Get());
  scoring::VisitorState expected = scorer.NewState();
  for (const Event& e : buyer.events()) scorer.Apply(e, expected, nullptr);
  scoring::VisitorState stored = State(*pipeline, "v-buyer");
  stored.published = expected.published;
  EXPECT_EQ(stored, expected);
  EXPECT_GE(pipeline->scoring_counters().recomputations, 1);
}

TEST_F(ScoringPipelineTest, TimelineStoredBeforeScoringIsFoldedIn) {
  Journey buyer = kaiku::testing::Buyer("v-buyer", kStart);
  clock_.Advance(absl::Minutes(15));
  std::vector<Event> events = buyer.events();
  std::vector<Event> last = {events.back()};
  events.pop_back();
  {
    PipelineOptions unscored;  // as kaikud stored events before scoring
    unscored.clock = &clock_;
    IngestPipeline pipeline(store_.get(), unscored);
    std::vector<const Event*> ptrs;
    for (const Event& e : events) ptrs.push_back(&e);
    absl::Notification done;
    ASSERT_TRUE(pipeline
                    .Submit("t", ptrs,
                            [&](absl::Status, std::vector<StoreOutcome>) {
                              done.Notify();
                            })
                    .ok());
    done.WaitForNotification();
  }
  auto pipeline = Start();
  Submit(*pipeline, last);
  EXPECT_EQ(State(*pipeline, "v-buyer").event_count, 7);
}

}  // namespace
}  // namespace kaiku::ingest
