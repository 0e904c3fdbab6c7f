#include "lib/ingest/pipeline.h"

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/events.h"
#include "tests/testing/temp_dir.h"

namespace kaiku::ingest {
namespace {

using ::kaiku::testing::PageView;
using ::testing::ElementsAre;

const absl::Time kT0 = absl::FromUnixSeconds(1800000000);

// Result of one Submit, waited for without sleeping.
struct Result {
  absl::Notification done;
  absl::Status status;
  std::vector<StoreOutcome> outcomes;

  IngestPipeline::Done Callback() {
    return [this](absl::Status s, std::vector<StoreOutcome> o) {
      status = std::move(s);
      outcomes = std::move(o);
      done.Notify();
    };
  }
};

std::vector<const kaiku::v1::Event*> Ptrs(
    const std::vector<kaiku::v1::Event>& events) {
  std::vector<const kaiku::v1::Event*> out;
  for (const auto& e : events) out.push_back(&e);
  return out;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.path = dir_.Sub("db");
    store_ = *storage::Store::Open(options);
  }

  kaiku::testing::TempDir dir_;
  FakeClock clock_{kT0};
  std::unique_ptr<storage::Store> store_;
};

TEST_F(PipelineTest, StoresAcrossShardsAndReportsDuplicates) {
  PipelineOptions options;
  options.shards = 4;
  options.clock = &clock_;
  IngestPipeline pipeline(store_.get(), options);
  std::vector<kaiku::v1::Event> events;
  for (int i = 0; i < 100; ++i) {
    events.push_back(
        PageView(absl::StrCat("e", i), absl::StrCat("v", i % 13), kT0));
  }
  events.push_back(
      PageView("e5", "other-visitor", kT0));  // repeated id within the request
  Result first;
  ASSERT_TRUE(pipeline.Submit("t", Ptrs(events), first.Callback()).ok());
  first.done.WaitForNotification();
  ASSERT_TRUE(first.status.ok());
  ASSERT_EQ(first.outcomes.size(), 101u);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(first.outcomes[i], StoreOutcome::kStored) << i;
  EXPECT_EQ(first.outcomes[100], StoreOutcome::kDuplicate);

  Result retry;
  ASSERT_TRUE(pipeline.Submit("t", Ptrs(events), retry.Callback()).ok());
  retry.done.WaitForNotification();
  ASSERT_TRUE(retry.status.ok());
  for (StoreOutcome o : retry.outcomes) EXPECT_EQ(o, StoreOutcome::kDuplicate);

  // Other tenants have their own id space.
  Result other;
  std::vector<kaiku::v1::Event> one = {events[0]};
  ASSERT_TRUE(pipeline.Submit("u", Ptrs(one), other.Callback()).ok());
  other.done.WaitForNotification();
  EXPECT_THAT(other.outcomes, ElementsAre(StoreOutcome::kStored));
  EXPECT_EQ(pipeline.queued_events(), 0);
}

TEST_F(PipelineTest, EmptyRequestCompletesInline) {
  IngestPipeline pipeline(store_.get(), PipelineOptions());
  Result r;
  ASSERT_TRUE(pipeline.Submit("t", {}, r.Callback()).ok());
  EXPECT_TRUE(r.done.HasBeenNotified());
}

// Blocks every commit until released: lets a test fill the queue
// deterministically.
class BlockingStore : public storage::StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;
  absl::Status Commit(storage::StoreBatch* batch, bool sync) override {
    entered.Notify();
    release.WaitForNotification();
    return StoreWrapper::Commit(batch, sync);
  }
  absl::Notification entered;
  absl::Notification release;
};

TEST_F(PipelineTest, FullQueueIsResourceExhaustedAndNothingIsQueued) {
  BlockingStore blocking(store_.get());
  PipelineOptions options;
  options.shards = 1;
  options.max_queued_events = 3;
  IngestPipeline pipeline(&blocking, options);
  std::vector<kaiku::v1::Event> a = {PageView("a1", "v", kT0),
                                     PageView("a2", "v", kT0)};
  std::vector<kaiku::v1::Event> b = {PageView("b1", "v", kT0),
                                     PageView("b2", "v", kT0)};
  Result ra;
  ASSERT_TRUE(pipeline.Submit("t", Ptrs(a), ra.Callback()).ok());
  blocking.entered.WaitForNotification();
  Result rb;
  absl::Status s = pipeline.Submit("t", Ptrs(b), rb.Callback());
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(pipeline.queued_events(), 2);
  blocking.release.Notify();
  ra.done.WaitForNotification();
  EXPECT_TRUE(ra.status.ok());
  EXPECT_FALSE(rb.done.HasBeenNotified());
  EXPECT_FALSE(*store_->ContainsEvent("t", b[0]));
}

class FailingStore : public storage::StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;
  absl::Status Commit(storage::StoreBatch*, bool) override {
    return absl::UnavailableError("disk full");
  }
};

TEST_F(PipelineTest, StorageFailureFailsTheRequest) {
  FailingStore failing(store_.get());
  PipelineOptions options;
  std::atomic<int> errors{0};
  options.on_storage_error = [&](const absl::Status& s) {
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
    ++errors;
  };
  IngestPipeline pipeline(&failing, options);
  std::vector<kaiku::v1::Event> events = {PageView("e1", "v1", kT0),
                                          PageView("e2", "v2", kT0)};
  Result r;
  ASSERT_TRUE(pipeline.Submit("t", Ptrs(events), r.Callback()).ok());
  r.done.WaitForNotification();
  EXPECT_EQ(r.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_GE(errors.load(), 1);
  EXPECT_FALSE(*store_->ContainsEvent("t", events[0]));
}

TEST_F(PipelineTest, StopWritesWhatIsQueuedThenRefuses) {
  auto pipeline =
      std::make_unique<IngestPipeline>(store_.get(), PipelineOptions());
  std::vector<kaiku::v1::Event> events;
  for (int i = 0; i < 50; ++i)
    events.push_back(PageView(absl::StrCat("e", i), "v", kT0));
  Result r;
  ASSERT_TRUE(pipeline->Submit("t", Ptrs(events), r.Callback()).ok());
  pipeline->Stop();
  EXPECT_TRUE(r.done.HasBeenNotified());
  EXPECT_TRUE(r.status.ok());
  Result late;
  EXPECT_EQ(pipeline->Submit("t", Ptrs(events), late.Callback()).code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace kaiku::ingest
