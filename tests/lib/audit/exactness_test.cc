// The exactness checker finds a store written by the real ingest path exact,
// and names each kind of mismatch planted in it.
#include "lib/audit/exactness.h"

#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "lib/ingest/pipeline.h"
#include "lib/ingest/stored_visitor.h"
#include "lib/scoring/model_loader.h"
#include "tests/testing/scenarios.h"
#include "tests/testing/temp_dir.h"

namespace kaiku::audit {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1800000000);

class ExactnessCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.path = dir_.Sub("db");
    options.clock = &clock_;
    store_ = *storage::Store::Open(options);
    ingest::PipelineOptions pipeline;
    pipeline.clock = &clock_;
    pipeline.model = &model_;
    ingest::IngestPipeline ingest(store_.get(), pipeline);
    for (const char* visitor : {"v-buyer", "v-research"}) {
      const testing::Journey journey =
          std::string(visitor) == "v-buyer"
              ? testing::Buyer(visitor, kStart)
              : testing::Researcher(visitor, kStart);
      events_.push_back(journey.events());
    }
    clock_.Advance(absl::Hours(24 * 8));
    for (const auto& events : events_) {
      std::vector<const kaiku::v1::Event*> ptrs;
      for (const auto& e : events) ptrs.push_back(&e);
      absl::Notification done;
      ASSERT_TRUE(
          ingest
              .Submit("t", ptrs,
                      [&](absl::Status s, std::vector<ingest::StoreOutcome>) {
                        EXPECT_TRUE(s.ok());
                        done.Notify();
                      })
              .ok());
      done.WaitForNotification();
    }
  }

  ExactnessReport Check() {
    ExactnessOptions options;
    options.models = {model_.Get()};
    options.now = clock_.Now();
    auto report = CheckExactness(*store_, options);
    EXPECT_TRUE(report.ok()) << report.status();
    return *report;
  }

  std::vector<std::string> Mismatches() {
    std::vector<std::string> out;
    for (const Mismatch& m : Check().mismatches) out.push_back(m.ToString());
    return out;
  }

  testing::TempDir dir_;
  FakeClock clock_{kStart};
  scoring::CurrentModel model_{scoring::DefaultModel()};
  std::unique_ptr<storage::Store> store_;
  std::vector<std::vector<kaiku::v1::Event>> events_;
};

TEST_F(ExactnessCheckTest, WhatTheIngestPathWroteIsExact) {
  const ExactnessReport report = Check();
  EXPECT_THAT(Mismatches(), ::testing::IsEmpty());
  EXPECT_EQ(report.tenants, 1);
  EXPECT_EQ(report.visitors, 2);
  EXPECT_GT(report.score_log_entries, 3);
}

TEST_F(ExactnessCheckTest, AStateThatIsNotItsTimelinesFoldIsNamed) {
  auto stored =
      ingest::DecodeStoredVisitor(**store_->GetVisitorState("t", "v-buyer"));
  ASSERT_TRUE(stored.ok());
  stored->state.event_count += 1;
  auto batch = store_->NewBatch();
  batch->PutVisitorState("t", "v-buyer", stored->state.last_event,
                         ingest::EncodeStoredVisitor(*stored));
  ASSERT_TRUE(store_->Commit(batch.get(), false).ok());
  EXPECT_THAT(Mismatches(),
              ::testing::ElementsAre(
                  AllOf(HasSubstr("v-buyer"), HasSubstr("event_count"))));
}

TEST_F(ExactnessCheckTest, AScoreEventBackInTimeAndAWrongLastLevelAreNamed) {
  kaiku::v1::ScoreEvent e;
  e.set_visitor_id("v-research");
  e.set_kind(kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED);
  e.set_level(kaiku::v1::LEVEL_SALES_READY);
  *e.mutable_occurred_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(kStart));
  auto batch = store_->NewBatch();
  batch->AppendScoreEvent("t", e);
  ASSERT_TRUE(store_->Commit(batch.get(), false).ok());
  const std::vector<std::string> mismatches = Mismatches();
  EXPECT_THAT(mismatches, ::testing::Contains(HasSubstr("back in time")));
  EXPECT_THAT(mismatches,
              ::testing::Contains(HasSubstr("last level in the score log")));
}

TEST_F(ExactnessCheckTest, AnErasedVisitorLeavesTheStoreExact) {
  ASSERT_TRUE(store_->EraseVisitor("t", "v-buyer").ok());
  const ExactnessReport report = Check();
  EXPECT_TRUE(report.mismatches.empty());
  EXPECT_GT(report.erased_entries, 0);
  EXPECT_EQ(report.visitors, 1);
}

}  // namespace
}  // namespace kaiku::audit
