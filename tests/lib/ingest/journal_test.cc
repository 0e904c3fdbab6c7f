// Visitor states written behind: a crash image (a checkpoint taken while
// states are dirty) recovers, by replaying the journal, to exactly the states
// the workers had in memory; states are written after the delay and the
// journal trimmed; Stop leaves it empty; an erased visitor is not replayed.
#include "lib/ingest/journal.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/audit/exactness.h"
#include "lib/ingest/pipeline.h"
#include "lib/ingest/stored_visitor.h"
#include "lib/scoring/model_loader.h"
#include "tests/testing/events.h"
#include "tests/testing/pipeline.h"
#include "tests/testing/scenarios.h"
#include "tests/testing/temp_dir.h"

namespace kaiku::ingest {
namespace {

using ::kaiku::testing::Journey;
using ::kaiku::v1::Event;

const absl::Time kStart = absl::FromUnixSeconds(1800000000);

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = Open(dir_.Sub("db")); }

  std::unique_ptr<storage::Store> Open(const std::string& path) {
    storage::StoreOptions options;
    options.path = path;
    options.clock = &clock_;
    return *storage::Store::Open(options);
  }

  std::unique_ptr<IngestPipeline> Start(
      absl::Duration write_delay = absl::Seconds(60), int shards = 2) {
    PipelineOptions options;
    options.shards = shards;
    options.clock = &clock_;
    options.model = &model_;
    options.state_write_delay = write_delay;
    options.on_score_events = [this](const ScoreEventTally& tally) {
      absl::MutexLock lock(&mu_);
      score_events_ += tally.total;
    };
    return std::make_unique<IngestPipeline>(store_.get(), options);
  }

  void Submit(IngestPipeline& pipeline, const std::vector<Event>& events) {
    auto written = kaiku::testing::SubmitAndWait(pipeline, "t", events);
    ASSERT_TRUE(written.ok()) << written.status();
  }

  void Erase(IngestPipeline& pipeline, const std::string& visitor) {
    absl::Notification done;
    ASSERT_TRUE(pipeline
                    .SubmitErase("t", visitor,
                                 [&](absl::StatusOr<int64_t> n) {
                                   EXPECT_TRUE(n.ok()) << n.status();
                                   done.Notify();
                                 })
                    .ok());
    done.WaitForNotification();
  }

  int64_t ScoreEvents() {
    absl::MutexLock lock(&mu_);
    return score_events_;
  }
  // Waits (bounded) until the pipeline has committed `n` score events in all.
  bool WaitForScoreEvents(int64_t n) {
    absl::MutexLock lock(&mu_);
    wanted_ = n;
    return mu_.AwaitWithTimeout(absl::Condition(this, &JournalTest::Reached),
                                absl::Seconds(30));
  }
  bool Reached() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return score_events_ >= wanted_;
  }

  static int64_t JournalRecords(storage::Store& store) {
    int64_t n = 0;
    EXPECT_TRUE(store
                    .ForEachJournalRecord(
                        [&](uint32_t, uint64_t, absl::string_view) { ++n; })
                    .ok());
    return n;
  }

  // A copy of the store as a crash would leave it: states behind, journal
  // ahead.
  std::unique_ptr<storage::Store> CrashImage(const std::string& name) {
    const std::string path = dir_.Sub(name);
    EXPECT_TRUE(store_->Checkpoint(path).ok());
    return Open(path);
  }

  absl::StatusOr<audit::ExactnessReport> Check(storage::Store& store) {
    audit::ExactnessOptions options;
    options.models = {model_.Get()};
    options.now = clock_.Now();
    return audit::CheckExactness(store, options);
  }

  kaiku::testing::TempDir dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<storage::Store> store_;
  scoring::CurrentModel model_{scoring::DefaultModel()};
  absl::Mutex mu_;
  int64_t score_events_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t wanted_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST_F(JournalTest, ACrashImageRecoversToTheStatesInMemory) {
  auto pipeline = Start(absl::Hours(48));
  // A buyer in several requests, a late event among them (a recomputation),
  // a researcher, a bot, and a visitor whose level decays on a wake-up.
  std::vector<Event> buyer = kaiku::testing::Buyer("buyer", kStart).events();
  const std::vector<Event> researcher =
      kaiku::testing::Researcher("researcher", kStart).events();
  const std::vector<Event> bot = kaiku::testing::Bot("bot", kStart).events();
  const std::vector<Event> cooling =
      kaiku::testing::Buyer("cooling", kStart).events();
  clock_.Advance(absl::Minutes(15));
  const Event late = buyer[2];
  buyer.erase(buyer.begin() + 2);
  Submit(*pipeline, cooling);
  Submit(*pipeline, {buyer.begin(), buyer.begin() + 3});
  Submit(*pipeline, researcher);
  Submit(*pipeline, {buyer.begin() + 3, buyer.end()});
  Submit(*pipeline, bot);
  Submit(*pipeline, {late});
  ASSERT_GE(pipeline->scoring_counters().recomputations, 1);
  // The first buyer cools down on a wake-up, within the delay.
  const scoring::Scorer scorer(*model_.Get());
  const std::optional<int64_t> wake = scorer.NextWakeUp(
      DecodeStoredVisitor(*pipeline->CachedState("t", "cooling"))->state,
      absl::ToUnixMicros(clock_.Now()));
  ASSERT_TRUE(wake.has_value());
  ASSERT_LT(absl::FromUnixMicros(*wake) - clock_.Now(), absl::Hours(47));
  const int64_t before = ScoreEvents();
  clock_.Advance(absl::FromUnixMicros(*wake) - clock_.Now());
  pipeline->WakeUpForTest();
  ASSERT_TRUE(WaitForScoreEvents(before + 1));
  ASSERT_GE(pipeline->scoring_counters().timer_wakeups, 1);
  Submit(*pipeline, {kaiku::testing::PageView("poke", "other", clock_.Now())});

  const std::vector<std::string> visitors = {"buyer", "researcher", "bot",
                                             "cooling", "other"};
  // Nothing was written yet: every state is in memory only.
  EXPECT_EQ(pipeline->scoring_counters().states_written, 0);
  for (const std::string& v : visitors)
    EXPECT_FALSE(store_->GetVisitorState("t", v)->has_value()) << v;

  std::unique_ptr<storage::Store> image = CrashImage("crash");
  EXPECT_GT(JournalRecords(*image), 0);
  absl::StatusOr<ReplayStats> recovered = RecoverFromJournal(*image);
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ(recovered->visitors, static_cast<int64_t>(visitors.size()));
  EXPECT_EQ(recovered->missing_events, 0);
  EXPECT_EQ(JournalRecords(*image), 0);
  for (const std::string& v : visitors) {
    std::optional<std::string> live = pipeline->CachedState("t", v);
    ASSERT_TRUE(live.has_value()) << v;
    absl::StatusOr<std::optional<std::string>> stored =
        image->GetVisitorState("t", v);
    ASSERT_TRUE(stored.ok() && stored->has_value()) << v;
    EXPECT_EQ(DecodeStoredVisitor(**stored)->state,
              DecodeStoredVisitor(*live)->state)
        << v;
    EXPECT_EQ(DecodeStoredVisitor(**stored)->lead,
              DecodeStoredVisitor(*live)->lead)
        << v;
  }
  absl::StatusOr<audit::ExactnessReport> report = Check(*image);
  ASSERT_TRUE(report.ok()) << report.status();
  for (const auto& m : report->mismatches) ADD_FAILURE() << m.ToString();

  // Recovering again changes nothing (the journal is gone).
  recovered = RecoverFromJournal(*image);
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->visitors, 0);
}

// The exactness check replays the journal in memory: a crash image is exact
// as it stands, before any restart.
TEST_F(JournalTest, TheExactnessCheckReplaysACrashImage) {
  auto pipeline = Start();
  clock_.Advance(absl::Minutes(15));
  Submit(*pipeline, kaiku::testing::Buyer("buyer", kStart).events());
  std::unique_ptr<storage::Store> image = CrashImage("crash");
  absl::StatusOr<audit::ExactnessReport> report = Check(*image);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->replayed_visitors, 1);
  EXPECT_THAT(report->mismatches, ::testing::IsEmpty());
}

TEST_F(JournalTest, StatesAreWrittenAfterTheDelayAndTheJournalTrimmed) {
  // One worker: the group that writes r is the next one.
  auto pipeline = Start(absl::Seconds(60), /*shards=*/1);
  clock_.Advance(absl::Minutes(15));
  Submit(*pipeline, kaiku::testing::Researcher("r", kStart).events());
  EXPECT_FALSE(store_->GetVisitorState("t", "r")->has_value());
  EXPECT_GT(JournalRecords(*store_), 0);

  clock_.Advance(absl::Seconds(61));
  Submit(*pipeline, {kaiku::testing::PageView("x", "other", clock_.Now())});
  EXPECT_EQ(**store_->GetVisitorState("t", "r"),
            *pipeline->CachedState("t", "r"));
  EXPECT_EQ(pipeline->scoring_counters().states_written, 1);
  // What is left: the record of the group that wrote r (its entries done)
  // and other's, which is dirty now.
  std::unique_ptr<storage::Store> image = CrashImage("crash");
  absl::StatusOr<ReplayStats> recovered = RecoverFromJournal(*image);
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->visitors, 1);
  EXPECT_LE(recovered->records, 2);

  // r again: its written state is behind now, and replay goes on from it.
  Submit(*pipeline, kaiku::testing::Buyer("r", clock_.Now()).events());
  const std::string before_crash = *pipeline->CachedState("t", "r");
  EXPECT_NE(**store_->GetVisitorState("t", "r"), before_crash);
  image = CrashImage("crash-2");
  recovered = RecoverFromJournal(*image);
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->visitors, 2);
  EXPECT_EQ(**image->GetVisitorState("t", "r"), before_crash);
}

TEST_F(JournalTest, StopWritesEveryStateAndEmptiesTheJournal) {
  auto pipeline = Start();
  clock_.Advance(absl::Minutes(15));
  Submit(*pipeline, kaiku::testing::Buyer("b", kStart).events());
  Submit(*pipeline, kaiku::testing::Researcher("r", kStart).events());
  const std::string b = *pipeline->CachedState("t", "b");
  pipeline->Stop();
  EXPECT_EQ(**store_->GetVisitorState("t", "b"), b);
  EXPECT_TRUE(store_->GetVisitorState("t", "r")->has_value());
  EXPECT_EQ(JournalRecords(*store_), 0);
}

// The erasure writes the visitor's state first and takes its journal entries
// with it: a crash after it brings nothing back.
TEST_F(JournalTest, AnErasedVisitorIsNotReplayed) {
  auto pipeline = Start();
  clock_.Advance(absl::Minutes(15));
  Submit(*pipeline, kaiku::testing::Buyer("gone", kStart).events());
  Submit(*pipeline, kaiku::testing::Researcher("kept", kStart).events());
  Erase(*pipeline, "gone");
  std::unique_ptr<storage::Store> image = CrashImage("crash");
  absl::StatusOr<ReplayStats> recovered = RecoverFromJournal(*image);
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->visitors, 1);
  EXPECT_FALSE(image->GetVisitorState("t", "gone")->has_value());
  EXPECT_TRUE(image->GetVisitorState("t", "kept")->has_value());
  int journal_mentions = 0;
  ASSERT_TRUE(store_
                  ->ForEachJournalRecord(
                      [&](uint32_t, uint64_t, absl::string_view record) {
                        if (record.find("gone") != absl::string_view::npos)
                          ++journal_mentions;
                      })
                  .ok());
  EXPECT_EQ(journal_mentions, 0);
}

// Fails every commit after the first `ok` ones.
class FailingCommits : public storage::StoreWrapper {
 public:
  FailingCommits(storage::Store* target, int ok)
      : StoreWrapper(target), ok_(ok) {}
  absl::Status Commit(storage::StoreBatch* batch, bool sync) override {
    if (ok_-- <= 0) return absl::UnavailableError("injected: disk full");
    return StoreWrapper::Commit(batch, sync);
  }

 private:
  int ok_;
};

// A pipeline started on a crash image replays its journal before it runs.
TEST_F(JournalTest, APipelineStartedOnACrashImageRecoversItFirst) {
  auto pipeline = Start(absl::Hours(1));
  clock_.Advance(absl::Minutes(15));
  Submit(*pipeline, kaiku::testing::Buyer("b", kStart).events());
  const std::string in_memory = *pipeline->CachedState("t", "b");
  std::unique_ptr<storage::Store> image = CrashImage("crash");
  EXPECT_FALSE(image->GetVisitorState("t", "b")->has_value());
  {
    PipelineOptions options;
    options.clock = &clock_;
    options.model = &model_;
    IngestPipeline restarted(image.get(), options);
    absl::StatusOr<std::optional<std::string>> stored =
        image->GetVisitorState("t", "b");
    ASSERT_TRUE(stored.ok() && stored->has_value());
    EXPECT_EQ(**stored, in_memory);
    EXPECT_EQ(JournalRecords(*image), 0);
  }
}

// A crash during recovery (here: a write that fails half-way) leaves a
// journal that recovers the rest; nothing is replayed twice.
TEST_F(JournalTest, RecoveryInterruptedHalfWayRecoversTheRest) {
  auto pipeline = Start(absl::Hours(1));
  clock_.Advance(absl::Minutes(15));
  const std::vector<std::string> visitors = {"a", "b", "c", "d", "e"};
  for (const std::string& v : visitors)
    Submit(*pipeline, kaiku::testing::Buyer(v, kStart).events());
  std::unique_ptr<storage::Store> image = CrashImage("crash");

  FailingCommits failing(image.get(), /*ok=*/1);
  absl::StatusOr<ReplayStats> first =
      RecoverFromJournal(failing, /*states_per_write=*/2);
  EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable);
  int written = 0;
  for (const std::string& v : visitors)
    written += image->GetVisitorState("t", v)->has_value() ? 1 : 0;
  EXPECT_EQ(written, 2);

  absl::StatusOr<ReplayStats> second = RecoverFromJournal(*image);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->visitors, 3);
  for (const std::string& v : visitors) {
    EXPECT_EQ(DecodeStoredVisitor(**image->GetVisitorState("t", v))->state,
              DecodeStoredVisitor(*pipeline->CachedState("t", v))->state)
        << v;
  }
  EXPECT_EQ(JournalRecords(*image), 0);
}

// With no delay every state is written with its events and nothing is
// journaled (the behaviour before write-behind).
TEST_F(JournalTest, NoDelayWritesEveryStateWithItsEvents) {
  PipelineOptions options;
  options.clock = &clock_;
  options.model = &model_;
  options.state_write_delay = absl::ZeroDuration();
  IngestPipeline pipeline(store_.get(), options);
  clock_.Advance(absl::Minutes(15));
  Submit(pipeline, kaiku::testing::Buyer("b", kStart).events());
  EXPECT_EQ(**store_->GetVisitorState("t", "b"),
            *pipeline.CachedState("t", "b"));
  EXPECT_EQ(JournalRecords(*store_), 0);
}

}  // namespace
}  // namespace kaiku::ingest
