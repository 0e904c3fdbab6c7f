#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/scorelog/cursor.h"
#include "lib/scorelog/hub.h"
#include "lib/scorelog/retention.h"
#include "tests/testing/temp_dir.h"

namespace kaiku::scorelog {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1800000000);

TEST(CursorTest, RoundTripsAndIsBoundToItsTenant) {
  const std::string cursor = EncodeCursor("acme", 42);
  EXPECT_EQ(*DecodeCursor("acme", cursor, "after_cursor"), 42u);
  EXPECT_EQ(EventId(42), "42");
  absl::StatusOr<uint64_t> other =
      DecodeCursor("globex", cursor, "after_cursor");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other.status().message(), ::testing::HasSubstr("after_cursor"));
  for (const char* bad : {"", "x", "AAAA", "not a cursor!"}) {
    EXPECT_EQ(DecodeCursor("acme", bad, "cursor").status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

class ScoreLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.path = dir_.Sub("db");
    options.clock = &clock_;
    store_ = *storage::Store::Open(options);
  }
  void Append(int n) {
    for (int i = 0; i < n; ++i) {
      std::unique_ptr<storage::StoreBatch> batch = store_->NewBatch();
      kaiku::v1::ScoreEvent e;
      e.set_visitor_id("v");
      batch->AppendScoreEvent("t", e);
      ASSERT_TRUE(store_->Commit(batch.get(), false).ok());
      clock_.Advance(absl::Minutes(1));
    }
  }

  kaiku::testing::TempDir dir_;
  FakeClock clock_{kT0};
  std::unique_ptr<storage::Store> store_;
};

TEST_F(ScoreLogTest, RetentionByCountAndByAge) {
  Append(10);  // appended at kT0, kT0 + 1 min, ...
  RetentionOptions by_count;
  by_count.max_entries = 6;
  ASSERT_TRUE(ApplyRetention(*store_, by_count, clock_.Now()).ok());
  EXPECT_EQ(store_->FirstScoreSequence("t"), 5u);
  RetentionOptions by_age;
  by_age.max_age = absl::Minutes(3);  // now is kT0 + 10 min
  ASSERT_TRUE(ApplyRetention(*store_, by_age, clock_.Now()).ok());
  EXPECT_EQ(store_->FirstScoreSequence("t"), 8u);  // appended at +7, +8, +9 min
  by_age.max_age = absl::Seconds(1);
  ASSERT_TRUE(ApplyRetention(*store_, by_age, clock_.Now()).ok());
  EXPECT_EQ(store_->FirstScoreSequence("t"), 10u);  // the newest always stays
}

TEST_F(ScoreLogTest, HubDecodesOnceAndWakesWaiters) {
  ScoreLogHub hub(store_.get(), 4);
  store_->SetScoreLogListener(
      [&](absl::string_view t, uint64_t last) { hub.OnCommitted(t, last); });
  EXPECT_EQ(hub.Available("t"), 0u);
  absl::Mutex mu;
  uint64_t seen = 0;
  const uint64_t waiter = hub.AddWaiter("t", [&] {
    absl::MutexLock lock(&mu);
    seen = hub.Available("t");
  });
  Append(6);
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(
        mu.AwaitWithTimeout(absl::Condition(
                                +[](uint64_t* s) { return *s == 6; }, &seen),
                            absl::Seconds(30)));
  }
  hub.RemoveWaiter(waiter);
  std::vector<std::shared_ptr<const Entry>> recent;
  ASSERT_TRUE(hub.ReadRecent("t", 3, 10, &recent));  // the ring holds 3..6
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0]->sequence, 4u);
  EXPECT_EQ(recent[0]->event.id(), "4");
  EXPECT_EQ(*DecodeCursor("t", recent[2]->event.cursor(), "c"), 6u);
  recent.clear();
  EXPECT_FALSE(hub.ReadRecent("t", 1, 10, &recent));  // behind the ring
  EXPECT_TRUE(hub.ReadRecent("t", 6, 10, &recent));   // caught up
  EXPECT_TRUE(recent.empty());
  hub.Close();
  EXPECT_TRUE(hub.closed());
}

}  // namespace
}  // namespace kaiku::scorelog
