#include <atomic>
#include <memory>
#include <string>
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

// The last entry of tenant "t" that `hub` has decoded and serves from memory,
// if it is the last committed one; else 0.
uint64_t LastInMemory(ScoreLogHub& hub) {
  const uint64_t available = hub.Available("t");
  std::vector<std::shared_ptr<const Entry>> recent;
  if (available == 0 || !hub.ReadRecent("t", available - 1, 1, &recent) ||
      recent.empty())
    return 0;
  return recent[0]->sequence;
}

TEST_F(ScoreLogTest, HubDecodesOnceAndWakesWaiters) {
  ScoreLogHub hub(store_.get(), 4);
  store_->SetScoreLogListener(
      [&](const std::vector<storage::CommittedScoreEvent>& entries) {
        hub.OnCommitted(entries);
      });
  EXPECT_EQ(hub.Available("t"), 0u);
  absl::Mutex mu;
  uint64_t seen = 0;
  const uint64_t waiter = hub.AddWaiter("t", [&] {
    const uint64_t last = LastInMemory(hub);
    absl::MutexLock lock(&mu);
    seen = std::max(seen, last);
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
  // The bytes subscribers receive: the event with its id and cursor.
  kaiku::v1::ScoreEvent wire;
  ASSERT_TRUE(wire.ParseFromString(recent[2]->wire));
  EXPECT_EQ(wire.SerializeAsString(), recent[2]->event.SerializeAsString());
  EXPECT_EQ(wire.id(), "6");
  recent.clear();
  EXPECT_FALSE(hub.ReadRecent("t", 1, 10, &recent));  // behind the ring
  EXPECT_TRUE(hub.ReadRecent("t", 6, 10, &recent));   // caught up
  EXPECT_TRUE(recent.empty());
  hub.Close();
  EXPECT_TRUE(hub.closed());
}

// Counts the score-log reads that reach the store.
class CountingStore : public storage::StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;
  absl::StatusOr<std::vector<storage::ScoreLogEntry>> ReadScoreLog(
      absl::string_view tenant, uint64_t after, int limit) override {
    ++reads;
    return StoreWrapper::ReadScoreLog(tenant, after, limit);
  }
  std::atomic<int> reads{0};
};

// The hub decodes what the store hands over at commit: subscribers at the tail
// never cause a read of the store. A visitor forgotten before its entries were
// decoded is not served from memory; readers there are sent to the store.
TEST_F(ScoreLogTest, HubTakesCommittedEntriesInMemory) {
  CountingStore counting(store_.get());
  ScoreLogHub hub(&counting, 100);
  store_->SetScoreLogListener(
      [&](const std::vector<storage::CommittedScoreEvent>& entries) {
        hub.OnCommitted(entries);
      });
  absl::Mutex mu;
  uint64_t in_memory = 0;
  // While `stall` is set, the hub's thread stops in its first wake-up.
  absl::Notification* stall = nullptr;
  absl::Notification stalled;
  const uint64_t waiter = hub.AddWaiter("t", [&] {
    absl::Notification* wait = nullptr;
    const uint64_t last = LastInMemory(hub);
    {
      absl::MutexLock lock(&mu);
      in_memory = std::max(in_memory, last);
      std::swap(wait, stall);
    }
    if (wait != nullptr) {
      stalled.Notify();
      wait->WaitForNotification();
    }
  });
  auto append = [&](const std::string& visitor) {
    std::unique_ptr<storage::StoreBatch> batch = store_->NewBatch();
    kaiku::v1::ScoreEvent e;
    e.set_visitor_id(visitor);
    batch->AppendScoreEvent("t", e);
    ASSERT_TRUE(store_->Commit(batch.get(), false).ok());
  };
  auto await_in_memory = [&](uint64_t n) {
    std::pair<uint64_t*, uint64_t> want(&in_memory, n);
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(
                                        +[](std::pair<uint64_t*, uint64_t>* w) {
                                          return *w->first >= w->second;
                                        },
                                        &want),
                                    absl::Seconds(30)));
  };
  for (int i = 0; i < 5; ++i) append("v");
  await_in_memory(5);
  std::vector<std::shared_ptr<const Entry>> recent;
  ASSERT_TRUE(hub.ReadRecent("t", 0, 10, &recent));
  ASSERT_EQ(recent.size(), 5u);
  EXPECT_EQ(recent[4]->event.id(), "5");
  EXPECT_EQ(counting.reads.load(), 0);

  // 7 (of "gone") and 8 wait undecoded while "gone" is forgotten.
  absl::Notification release;
  {
    absl::MutexLock lock(&mu);
    stall = &release;
  }
  append("v");  // 6
  stalled.WaitForNotification();
  append("gone");
  append("w");
  // Committed but not decoded: in_memory to subscribers (they are not caught
  // up), served once the hub has decoded them — neither from the store nor as
  // "nothing new".
  EXPECT_EQ(hub.Available("t"), 8u);
  recent.clear();
  EXPECT_TRUE(hub.ReadRecent("t", 6, 10, &recent));
  EXPECT_TRUE(recent.empty());
  hub.Forget("t", "gone");
  release.Notify();
  append("w");  // 9
  await_in_memory(9);
  recent.clear();
  EXPECT_FALSE(hub.ReadRecent("t", 5, 10, &recent));  // 7 and 8: the store
  recent.clear();
  ASSERT_TRUE(hub.ReadRecent("t", 8, 10, &recent));
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0]->sequence, 9u);
  EXPECT_EQ(counting.reads.load(), 0);
  hub.RemoveWaiter(waiter);
  hub.Close();
}

}  // namespace
}  // namespace kaiku::scorelog
