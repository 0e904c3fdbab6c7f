#include "lib/storage/store.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kaiku/storage/v1/records.pb.h"
#include "lib/storage/expiry_filter.h"
#include "lib/storage/key_codec.h"
#include "rocksdb/db.h"
#include "tests/testing/events.h"
#include "tests/testing/temp_dir.h"

namespace kaiku::storage {
namespace {

using ::kaiku::testing::PageView;

const absl::Time kT0 = absl::FromUnixSeconds(1800000000);

class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() {
    StoreOptions options;
    options.path = dir_.Sub("db");
    options.clock = &clock_;
    auto store = Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return std::move(store).value();
  }

  void Put(Store& store, const std::string& tenant, const kaiku::v1::Event& e) {
    std::unique_ptr<StoreBatch> batch = store.NewBatch();
    batch->PutEvent(tenant, e, absl::ToUnixMicros(clock_.Now()));
    ASSERT_TRUE(store.Commit(batch.get(), false).ok());
  }

  // Opens the store's RocksDB directly, with every column family, for `fn`
  // to change its layout as older versions wrote it; the handles left in
  // `handles` are closed after.
  void WithRawDb(absl::FunctionRef<
                 void(rocksdb::DB&, std::vector<rocksdb::ColumnFamilyHandle*>&)>
                     fn) {
    rocksdb::Options options;
    std::vector<std::string> names;
    ASSERT_TRUE(
        rocksdb::DB::ListColumnFamilies(options, dir_.Sub("db"), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const std::string& name : names) cfs.push_back({name, {}});
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(
        rocksdb::DB::Open(options, dir_.Sub("db"), cfs, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    fn(*db, handles);
    for (rocksdb::ColumnFamilyHandle* h : handles)
      ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  }

  kaiku::testing::TempDir dir_;
  FakeClock clock_{kT0};
};

TEST_F(StoreTest, ReadsTimelineInEventTimeOrder) {
  auto store = Open();
  Put(*store, "acme", PageView("c", "v1", kT0 + absl::Seconds(3)));
  Put(*store, "acme", PageView("a", "v1", kT0 + absl::Seconds(1)));
  Put(*store, "acme", PageView("b", "v1", kT0 + absl::Seconds(2)));
  Put(*store, "acme", PageView("x", "v2", kT0));
  auto page = store->ReadTimeline("acme", "v1", nullptr, 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 3u);
  EXPECT_EQ(page->events[0].event_id(), "a");
  EXPECT_EQ(page->events[1].event_id(), "b");
  EXPECT_EQ(page->events[2].event_id(), "c");
  EXPECT_FALSE(page->next.has_value());
}

TEST_F(StoreTest, PagesThroughTimeline) {
  auto store = Open();
  for (int i = 0; i < 7; ++i) {
    Put(*store, "t",
        PageView(absl::StrCat("e", i), "v", kT0 + absl::Seconds(i)));
  }
  std::vector<std::string> seen;
  std::optional<TimelinePosition> after;
  do {
    auto page = store->ReadTimeline("t", "v", after ? &*after : nullptr, 3);
    ASSERT_TRUE(page.ok());
    for (const auto& e : page->events) seen.push_back(e.event_id());
    after = page->next;
  } while (after.has_value());
  EXPECT_THAT(seen,
              ::testing::ElementsAre("e0", "e1", "e2", "e3", "e4", "e5", "e6"));
}

TEST_F(StoreTest, TenantsAndVisitorsAreIsolated) {
  auto store = Open();
  Put(*store, "a", PageView("e1", "v", kT0));
  Put(*store, "ab", PageView("e2", "v", kT0));
  Put(*store, "a", PageView("e3", "vv", kT0));
  auto page = store->ReadTimeline("a", "v", nullptr, 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].event_id(), "e1");
  EXPECT_TRUE(*store->ContainsEvent("a", PageView("e1", "v", kT0)));
  EXPECT_FALSE(*store->ContainsEvent("ab", PageView("e1", "v", kT0)));
  EXPECT_FALSE(*store->ContainsEvent("a", PageView("e1", "vv", kT0)));
}

// A retry is the same event: the same id at the same time of the same
// visitor. Another time or id is another event.
TEST_F(StoreTest, ContainsEventByVisitorTimeAndId) {
  auto store = Open();
  Put(*store, "t", PageView("e1", "v", kT0));
  EXPECT_TRUE(*store->ContainsEvent("t", PageView("e1", "v", kT0)));
  EXPECT_FALSE(
      *store->ContainsEvent("t", PageView("e1", "v", kT0 + absl::Seconds(1))));
  EXPECT_FALSE(*store->ContainsEvent("t", PageView("e2", "v", kT0)));
  EXPECT_FALSE(*store->ContainsEvent("t", PageView("e", "v", kT0)));
}

// A store of the earlier layout, with its event-id index in a column family
// "dedupe", opens: the index is dropped, its timelines read as before.
TEST_F(StoreTest, OpensAStoreWithTheOldDedupeIndex) {
  {
    auto store = Open();
    Put(*store, "t", PageView("e1", "v", kT0));
  }
  WithRawDb(
      [](rocksdb::DB& db, std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
        rocksdb::ColumnFamilyHandle* dedupe = nullptr;
        ASSERT_TRUE(db.CreateColumnFamily({}, "dedupe", &dedupe).ok());
        ASSERT_TRUE(db.Put({}, dedupe, "\x01te1", "12345678").ok());
        handles.push_back(dedupe);
      });
  StoreOptions read_only;
  read_only.path = dir_.Sub("db");
  read_only.read_only = true;
  {
    auto reader = Store::Open(read_only);
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_TRUE(*(*reader)->ContainsEvent("t", PageView("e1", "v", kT0)));
  }
  {
    auto store = Open();
    EXPECT_TRUE(*store->ContainsEvent("t", PageView("e1", "v", kT0)));
  }
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::Options(),
                                              dir_.Sub("db"), &names)
                  .ok());
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("dedupe")));
}

// The journal: records in (shard, sequence) order, trimmed per shard as a
// range with a batch, models by fingerprint, cleared at once.
TEST_F(StoreTest, JournalRecordsAreKeptInOrderAndTrimmedPerShard) {
  auto store = Open();
  auto batch = store->NewBatch();
  batch->PutJournalRecord(1, 1, "s1-1");
  batch->PutJournalRecord(0, 2, "s0-2");
  batch->PutJournalRecord(0, 1, "s0-1");
  batch->PutJournalRecord(0, 3, "s0-3");
  batch->PutJournalModel(7, "model-7");
  ASSERT_TRUE(store->Commit(batch.get(), false).ok());
  auto records = [&] {
    std::vector<std::string> out;
    EXPECT_TRUE(store
                    ->ForEachJournalRecord([&](uint32_t shard, uint64_t seq,
                                               absl::string_view record) {
                      out.push_back(absl::StrCat(shard, ":", seq, "=", record));
                    })
                    .ok());
    return out;
  };
  EXPECT_THAT(records(), ::testing::ElementsAre("0:1=s0-1", "0:2=s0-2",
                                                "0:3=s0-3", "1:1=s1-1"));
  batch = store->NewBatch();
  batch->TrimJournal(0, 3);
  batch->PutJournalRecord(0, 4, "s0-4");
  ASSERT_TRUE(store->Commit(batch.get(), false).ok());
  EXPECT_THAT(records(),
              ::testing::ElementsAre("0:3=s0-3", "0:4=s0-4", "1:1=s1-1"));
  EXPECT_EQ(**store->GetJournalModel(7), "model-7");
  EXPECT_FALSE(store->GetJournalModel(8)->has_value());
  ASSERT_TRUE(store->ClearJournal().ok());
  EXPECT_THAT(records(), ::testing::IsEmpty());
  EXPECT_FALSE(store->GetJournalModel(7)->has_value());
}

// A store written before the journal existed has no such column family: read
// only it shows an empty journal; opened for writing it gets one.
TEST_F(StoreTest, OpensAStoreWithoutAJournal) {
  {
    auto store = Open();
    Put(*store, "t", PageView("e1", "v", kT0));
  }
  WithRawDb(
      [](rocksdb::DB& db, std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
        for (rocksdb::ColumnFamilyHandle* h : handles) {
          if (h->GetName() == "journal") {
            ASSERT_TRUE(db.DropColumnFamily(h).ok());
          }
        }
      });
  StoreOptions read_only;
  read_only.path = dir_.Sub("db");
  read_only.read_only = true;
  {
    auto reader = Store::Open(read_only);
    ASSERT_TRUE(reader.ok()) << reader.status();
    int records = 0;
    ASSERT_TRUE(
        (*reader)
            ->ForEachJournalRecord(
                [&](uint32_t, uint64_t, absl::string_view) { ++records; })
            .ok());
    EXPECT_EQ(records, 0);
    EXPECT_TRUE(*(*reader)->ContainsEvent("t", PageView("e1", "v", kT0)));
  }
  auto store = Open();
  auto batch = store->NewBatch();
  batch->PutJournalRecord(0, 1, "r");
  ASSERT_TRUE(store->Commit(batch.get(), false).ok());
  int records = 0;
  ASSERT_TRUE(store
                  ->ForEachJournalRecord(
                      [&](uint32_t, uint64_t, absl::string_view) { ++records; })
                  .ok());
  EXPECT_EQ(records, 1);
}

// The encoder writes records without copying the event into one: the stored
// bytes must still be those of the serialized record messages.
TEST_F(StoreTest, RecordsAreTheSerializedRecordMessages) {
  kaiku::v1::Event first = PageView("e1", "v", kT0);
  first.mutable_page_view()->set_title("Hinnasto \xc3\xa4\xc3\xb6");
  const kaiku::v1::Event second = PageView("e2", "v", kT0 + absl::Seconds(1));
  kaiku::v1::ScoreEvent score;
  score.set_visitor_id("v");
  score.set_score(42.5);
  score.set_level(kaiku::v1::LEVEL_HOT);
  {
    auto store = Open();
    std::unique_ptr<StoreBatch> batch = store->NewBatch();
    batch->PutEvent("t", first, 1234567);
    batch->PutEvent("t", second, 7654321);
    batch->AppendScoreEvent("t", score);
    ASSERT_TRUE(store->Commit(batch.get(), false).ok());
  }
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::Options(),
                                              dir_.Sub("db"), &names)
                  .ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const std::string& name : names) cfs.push_back({name, {}});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir_.Sub("db"),
                                           cfs, &handles, &raw)
                  .ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  auto read = [&](const std::string& family, const std::string& key) {
    std::string value;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] != family) continue;
      EXPECT_TRUE(db->Get({}, handles[i], key, &value).ok()) << family;
    }
    return value;
  };
  for (const auto& [event, received] :
       {std::make_pair(first, int64_t{1234567}),
        std::make_pair(second, int64_t{7654321})}) {
    kaiku::storage::v1::TimelineRecord expected;
    *expected.mutable_event() = event;
    expected.set_received_at_micros(received);
    const std::string log_key = read(
        "event_index", TimelineKey("t", "v",
                                   absl::ToUnixMicros(absl::FromUnixSeconds(
                                       event.occurred_at().seconds())),
                                   event.event_id()));
    int64_t log_time;
    uint64_t sequence;
    ASSERT_TRUE(DecodeEventLogKey(log_key, &log_time, &sequence));
    EXPECT_EQ(log_time, received);
    EXPECT_EQ(read("events", log_key), expected.SerializeAsString())
        << event.event_id();
  }
  kaiku::storage::v1::ScoreLogRecord expected;
  *expected.mutable_event() = score;
  expected.set_appended_at_micros(absl::ToUnixMicros(kT0));
  EXPECT_EQ(read("scorelog", ScoreLogKey("t", 1)),
            expected.SerializeAsString());
  for (rocksdb::ColumnFamilyHandle* h : handles)
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
}

TEST_F(StoreTest, SurvivesReopen) {
  {
    auto store = Open();
    Put(*store, "t", PageView("e1", "v", kT0));
  }
  auto store = Open();
  EXPECT_TRUE(*store->ContainsEvent("t", PageView("e1", "v", kT0)));
  auto page = store->ReadTimeline("t", "v", nullptr, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->events.size(), 1u);
}

// A new store holds only events written with their states, until a writer
// says otherwise; that is durable, and read-only opens see it.
TEST_F(StoreTest, EveryEventHasStateUntilNotedOtherwise) {
  {
    auto store = Open();
    EXPECT_TRUE(store->EveryEventHasState());
  }
  {
    auto store = Open();
    EXPECT_TRUE(store->EveryEventHasState());
    ASSERT_TRUE(store->NoteEventsWithoutState().ok());
    EXPECT_FALSE(store->EveryEventHasState());
    Put(*store, "t", PageView("e1", "v", kT0));
  }
  auto store = Open();
  EXPECT_FALSE(store->EveryEventHasState());
  store.reset();
  StoreOptions options;
  options.path = dir_.Sub("db");
  options.read_only = true;
  auto read_only = Store::Open(options);
  ASSERT_TRUE(read_only.ok()) << read_only.status();
  EXPECT_FALSE((*read_only)->EveryEventHasState());
}

TEST_F(StoreTest, ForEachTimelineYieldsEachVisitorOfTheTenantInOrder) {
  {
    auto store = Open();
    Put(*store, "a", PageView("e2", "v1", kT0 + absl::Seconds(2)));
    Put(*store, "a", PageView("e1", "v1", kT0 + absl::Seconds(1)));
    Put(*store, "a", PageView("e3", "v2", kT0));
    Put(*store, "ab", PageView("e4", "v1", kT0));
    Put(*store, "b", PageView("e5", "v0", kT0));
  }
  // Read only: what the offline tools do with a checkpoint.
  StoreOptions options;
  options.path = dir_.Sub("db");
  options.clock = &clock_;
  options.read_only = true;
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<std::string> seen;
  ASSERT_TRUE((*store)
                  ->ForEachTimeline("a",
                                    [&](absl::string_view visitor,
                                        std::vector<kaiku::v1::Event> events) {
                                      std::string ids;
                                      for (const auto& e : events)
                                        ids += e.event_id();
                                      seen.push_back(
                                          absl::StrCat(visitor, ":", ids));
                                    })
                  .ok());
  EXPECT_THAT(seen, ::testing::ElementsAre("v1:e1e2", "v2:e3"));
  std::unique_ptr<StoreBatch> batch = (*store)->NewBatch();
  batch->PutEvent("a", PageView("e9", "v1", kT0), 0);
  EXPECT_FALSE((*store)->Commit(batch.get(), false).ok());
}

TEST_F(StoreTest, ForEachEventTimeAndErase) {
  auto store = Open();
  Put(*store, "t", PageView("e1", "v", kT0));
  Put(*store, "t", PageView("e2", "v", kT0 + absl::Seconds(1)));
  Put(*store, "t", PageView("e3", "w", kT0));
  std::vector<int64_t> times;
  ASSERT_TRUE(
      store->ForEachEventTime("t", "v", [&](int64_t t) { times.push_back(t); })
          .ok());
  EXPECT_THAT(times, ::testing::ElementsAre(
                         absl::ToUnixMicros(kT0),
                         absl::ToUnixMicros(kT0 + absl::Seconds(1))));
  auto erased = store->EraseVisitor("t", "v");
  ASSERT_TRUE(erased.ok());
  EXPECT_EQ(*erased, 2);
  EXPECT_TRUE(store->ReadTimeline("t", "v", nullptr, 10)->events.empty());
  EXPECT_EQ(store->ReadTimeline("t", "w", nullptr, 10)->events.size(), 1u);
  // The purge leaves only w's record in the event log's files.
  ASSERT_TRUE(store->PurgeErased().ok());
  store.reset();
  std::vector<std::string> logged;
  WithRawDb(
      [&](rocksdb::DB& db, std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
        for (rocksdb::ColumnFamilyHandle* h : handles) {
          if (h->GetName() != "events") continue;
          std::unique_ptr<rocksdb::Iterator> it(db.NewIterator({}, h));
          kaiku::storage::v1::TimelineRecord record;
          for (it->SeekToFirst(); it->Valid(); it->Next()) {
            ASSERT_TRUE(record.ParseFromArray(
                it->value().data(), static_cast<int>(it->value().size())));
            logged.push_back(record.event().event_id());
          }
        }
      });
  EXPECT_THAT(logged, ::testing::ElementsAre("e3"));
}

// Retention removes the event log's entries that arrived before retention +
// max_future_skew, and keeps the newer ones.
TEST_F(StoreTest, RetentionRemovesTheEventLogsExpiredStretch) {
  auto store = Open();
  Put(*store, "t", PageView("old", "v", kT0));
  ASSERT_TRUE(store->Flush().ok());
  clock_.Advance(absl::Hours(24 * 90) + absl::Minutes(5) + absl::Hours(1));
  Put(*store, "t", PageView("new", "w", clock_.Now()));
  ASSERT_TRUE(store->Flush().ok());
  auto log_bytes = [&] {
    for (const auto& cf : store->Stats().column_families)
      if (cf.name == "events") return cf.sst_bytes;
    return int64_t{-1};
  };
  const int64_t before = log_bytes();
  ASSERT_TRUE(store->DropExpiredEvents().ok());
  const int64_t after = log_bytes();
  EXPECT_GT(after, 0);
  EXPECT_LT(after, before);
  EXPECT_TRUE(store->ReadTimeline("t", "v", nullptr, 10)->events.empty());
  EXPECT_EQ(store->ReadTimeline("t", "w", nullptr, 10)->events.size(), 1u);
  // Nothing of the retained stretch goes on later calls.
  ASSERT_TRUE(store->DropExpiredEvents().ok());
  EXPECT_EQ(log_bytes(), after);
}

// Stats count, per column family, the bytes flushes wrote to its SST files:
// nothing before a flush, the file's size after it, nothing where nothing was
// written.
TEST_F(StoreTest, StatsCountTheSstBytesWrittenPerColumnFamily) {
  auto store = Open();
  for (int i = 0; i < 50; ++i)
    Put(*store, "t", PageView(absl::StrCat("e", i), "v", kT0));
  auto family = [&](absl::string_view name) {
    for (const auto& cf : store->Stats().column_families)
      if (cf.name == name) return cf;
    ADD_FAILURE() << "no column family " << name;
    return StoreStats::ColumnFamily{};
  };
  EXPECT_EQ(family("events").sst_written_bytes, 0);
  ASSERT_TRUE(store->Flush().ok());
  const StoreStats::ColumnFamily events = family("events");
  EXPECT_GT(events.sst_bytes, 0);
  // Reported in GB with 6 decimals: within about a KiB.
  EXPECT_NEAR(events.sst_written_bytes, events.sst_bytes, 2048);
  EXPECT_GT(family("event_index").sst_written_bytes, 0);
  EXPECT_EQ(family("consumers").sst_written_bytes, 0);
}

// A store of the layout before the event log (records in "timeline" under
// their index keys) is refused read-only, with what to do, and moved into the
// log when opened for writing.
TEST_F(StoreTest, MovesAStoreOfTheTimelineLayoutIntoTheLog) {
  { auto store = Open(); }
  const kaiku::v1::Event a1 = PageView("a1", "a", kT0 + absl::Seconds(2));
  const kaiku::v1::Event a2 = PageView("a2", "a", kT0 + absl::Seconds(1));
  const kaiku::v1::Event b1 = PageView("b1", "b", kT0);
  WithRawDb([&](rocksdb::DB& db,
                std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
    for (auto it = handles.begin(); it != handles.end();) {
      const std::string name = (*it)->GetName();
      if (name == "events" || name == "event_index") {
        ASSERT_TRUE(db.DropColumnFamily(*it).ok());
        ASSERT_TRUE(db.DestroyColumnFamilyHandle(*it).ok());
        it = handles.erase(it);
      } else {
        ++it;
      }
    }
    rocksdb::ColumnFamilyHandle* timeline = nullptr;
    ASSERT_TRUE(db.CreateColumnFamily({}, "timeline", &timeline).ok());
    handles.push_back(timeline);
    for (const kaiku::v1::Event& e : {a1, a2, b1}) {
      kaiku::storage::v1::TimelineRecord record;
      *record.mutable_event() = e;
      record.set_received_at_micros(absl::ToUnixMicros(kT0));
      ASSERT_TRUE(db.Put({}, timeline,
                         TimelineKey("t", e.visitor_id(),
                                     absl::ToUnixMicros(absl::FromUnixSeconds(
                                         e.occurred_at().seconds())),
                                     e.event_id()),
                         record.SerializeAsString())
                      .ok());
    }
  });
  StoreOptions read_only;
  read_only.path = dir_.Sub("db");
  read_only.read_only = true;
  auto refused = Store::Open(read_only);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(),
              ::testing::HasSubstr("open it once for writing"));
  {
    auto store = Open();
    auto page = store->ReadTimeline("t", "a", nullptr, 10);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->events.size(), 2u);
    EXPECT_EQ(page->events[0].event_id(), "a2");
    EXPECT_EQ(page->events[1].event_id(), "a1");
    EXPECT_TRUE(*store->ContainsEvent("t", b1));
    Put(*store, "t", PageView("b2", "b", kT0 + absl::Seconds(5)));
  }
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::Options(),
                                              dir_.Sub("db"), &names)
                  .ok());
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("timeline")));
  auto reader = Store::Open(read_only);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->ReadTimeline("t", "b", nullptr, 10)->events.size(), 2u);
}

kaiku::v1::ScoreEvent Scored(const std::string& visitor,
                             const std::string& trigger) {
  kaiku::v1::ScoreEvent e;
  e.set_visitor_id(visitor);
  e.set_kind(kaiku::v1::SCORE_EVENT_KIND_TRIGGER_FIRED);
  e.set_trigger(trigger);
  return e;
}

TEST_F(StoreTest, StatesLeadsAndScoreLogCommitTogether) {
  auto store = Open();
  {
    std::unique_ptr<StoreBatch> batch = store->NewBatch();
    batch->PutEvent("t", PageView("e1", "v", kT0), 1);
    batch->PutVisitorState("t", "v", absl::ToUnixMicros(kT0), "state-v");
    batch->SetLead("t", "v", true);
    batch->AppendScoreEvent("t", Scored("v", "a"));
    batch->AppendScoreEvent("t", Scored("v", "b"));
    batch->AppendScoreEvent("u", Scored("x", "c"));
    ASSERT_TRUE(store->Commit(batch.get(), true).ok());
  }
  EXPECT_EQ(**store->GetVisitorState("t", "v"), "state-v");
  EXPECT_FALSE(store->GetVisitorState("t", "w")->has_value());
  EXPECT_FALSE(store->GetVisitorState("u", "v")->has_value());
  EXPECT_EQ(store->LastScoreSequence("t"), 2u);
  EXPECT_EQ(store->LastScoreSequence("u"), 1u);
  EXPECT_EQ(store->LastScoreSequence("none"), 0u);
  auto log = store->ReadScoreLog("t", 0, 10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].sequence, 1u);
  EXPECT_EQ((*log)[0].event.trigger(), "a");
  EXPECT_EQ((*log)[1].sequence, 2u);
  EXPECT_EQ(store->ReadScoreLog("t", 1, 10)->size(), 1u);
  EXPECT_EQ(store->ReadScoreLog("t", 0, 1)->size(), 1u);

  std::vector<std::string> leads;
  ASSERT_TRUE(store
                  ->ForEachLead("",
                                [&](absl::string_view t, absl::string_view v) {
                                  leads.push_back(absl::StrCat(t, "/", v));
                                })
                  .ok());
  EXPECT_THAT(leads, ::testing::ElementsAre("t/v"));
  std::unique_ptr<StoreBatch> unlead = store->NewBatch();
  unlead->SetLead("t", "v", false);
  ASSERT_TRUE(store->Commit(unlead.get(), false).ok());
  leads.clear();
  ASSERT_TRUE(store
                  ->ForEachLead("t",
                                [&](absl::string_view t, absl::string_view v) {
                                  leads.push_back(absl::StrCat(t, "/", v));
                                })
                  .ok());
  EXPECT_TRUE(leads.empty());
}

TEST_F(StoreTest, ScoreLogSequencesContinueAfterReopenWithoutGaps) {
  for (int round = 0; round < 3; ++round) {
    auto store = Open();
    for (int i = 0; i < 4; ++i) {
      std::unique_ptr<StoreBatch> batch = store->NewBatch();
      batch->AppendScoreEvent("tenant-a", Scored("v", absl::StrCat(round, i)));
      batch->AppendScoreEvent("tenant-b", Scored("v", absl::StrCat(round, i)));
      ASSERT_TRUE(store->Commit(batch.get(), false).ok());
    }
  }
  auto store = Open();
  EXPECT_EQ(store->LastScoreSequence("tenant-a"), 12u);
  auto log = store->ReadScoreLog("tenant-b", 0, 100);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 12u);
  for (size_t i = 0; i < log->size(); ++i) EXPECT_EQ((*log)[i].sequence, i + 1);
}

// Commits from several threads at once are written in groups: every entry
// gets the next number in write order, each commit's entries stay together,
// and the listener hears them one commit group at a time, in order.
TEST_F(StoreTest, ConcurrentCommitsAreNumberedInWriteOrder) {
  auto store = Open();
  constexpr int kThreads = 4;
  constexpr int kCommits = 200;
  std::atomic<int> listening{0};
  std::atomic<bool> overlapped{false};
  std::vector<uint64_t> sequences;
  std::vector<std::string> triggers;  // "<thread>/<commit>/<a|b>"
  store->SetScoreLogListener(
      [&](const std::vector<CommittedScoreEvent>& entries) {
        if (listening.fetch_add(1) != 0) overlapped = true;
        for (const CommittedScoreEvent& e : entries) {
          kaiku::v1::ScoreEvent event;
          ASSERT_TRUE(event.ParseFromArray(e.event.data(),
                                           static_cast<int>(e.event.size())));
          sequences.push_back(e.sequence);
          triggers.push_back(event.trigger());
        }
        listening.fetch_sub(1);
      });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCommits; ++c) {
        std::unique_ptr<StoreBatch> batch = store->NewBatch();
        const std::string name = absl::StrCat(t, "/", c, "/");
        batch->PutEvent(
            "t", PageView(name, absl::StrCat("v", t), kT0 + absl::Seconds(c)),
            absl::ToUnixMicros(kT0));
        batch->AppendScoreEvent("t", Scored("v", name + "a"));
        batch->AppendScoreEvent("t", Scored("v", name + "b"));
        ASSERT_TRUE(store->Commit(batch.get(), c % 3 == 0).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(overlapped);
  constexpr uint64_t kEntries = 2 * kThreads * kCommits;
  ASSERT_EQ(sequences.size(), kEntries);
  for (uint64_t i = 0; i < kEntries; ++i) ASSERT_EQ(sequences[i], i + 1);
  EXPECT_EQ(store->LastScoreSequence("t"), kEntries);
  std::vector<int> next_commit(kThreads, 0);
  for (size_t i = 0; i < triggers.size(); i += 2) {
    const std::vector<std::string> parts = absl::StrSplit(triggers[i], '/');
    ASSERT_EQ(parts.size(), 3u);
    const int t = std::stoi(parts[0]);
    EXPECT_EQ(std::stoi(parts[1]), next_commit[t]++) << "thread " << t;
    EXPECT_EQ(parts[2], "a");
    EXPECT_EQ(triggers[i + 1], absl::StrCat(parts[0], "/", parts[1], "/b"));
  }
  // The store holds the same entries under the same numbers.
  auto log = store->ReadScoreLog("t", 0, static_cast<int>(kEntries) + 1);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), kEntries);
  for (uint64_t i = 0; i < kEntries; ++i)
    EXPECT_EQ((*log)[i].event.trigger(), triggers[i]);
  for (int t = 0; t < kThreads; ++t) {
    auto page =
        store->ReadTimeline("t", absl::StrCat("v", t), nullptr, kCommits + 1);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->events.size(), static_cast<size_t>(kCommits));
  }
}

TEST_F(StoreTest, EraseVisitorRemovesStateAndLead) {
  auto store = Open();
  std::unique_ptr<StoreBatch> batch = store->NewBatch();
  batch->PutEvent("t", PageView("e1", "v", kT0), 1);
  batch->PutVisitorState("t", "v", absl::ToUnixMicros(kT0), "s");
  batch->SetLead("t", "v", true);
  ASSERT_TRUE(store->Commit(batch.get(), false).ok());
  ASSERT_TRUE(store->EraseVisitor("t", "v").ok());
  EXPECT_FALSE(store->GetVisitorState("t", "v")->has_value());
  int leads = 0;
  ASSERT_TRUE(store->ForEachLead("t", [&](auto, auto) { ++leads; }).ok());
  EXPECT_EQ(leads, 0);
}

TEST_F(StoreTest, ScoreLogRetentionConsumersAndListener) {
  auto store = Open();
  std::vector<std::pair<std::string, uint64_t>> heard;
  std::vector<std::string> visitors;
  store->SetScoreLogListener(
      [&](const std::vector<CommittedScoreEvent>& entries) {
        for (const CommittedScoreEvent& e : entries) {
          heard.emplace_back(std::string(e.tenant), e.sequence);
          kaiku::v1::ScoreEvent event;
          ASSERT_TRUE(event.ParseFromArray(e.event.data(),
                                           static_cast<int>(e.event.size())));
          visitors.push_back(event.visitor_id());
        }
      });
  EXPECT_EQ(store->FirstScoreSequence("t"), 0u);
  for (int i = 0; i < 5; ++i) {
    std::unique_ptr<StoreBatch> batch = store->NewBatch();
    batch->AppendScoreEvent("t", Scored(i == 2 ? "gone" : "v", "x"));
    ASSERT_TRUE(store->Commit(batch.get(), i % 2 == 0).ok());
  }
  EXPECT_EQ(heard.size(), 5u);
  EXPECT_EQ(heard.back(), std::make_pair(std::string("t"), uint64_t{5}));
  EXPECT_THAT(visitors, ::testing::ElementsAre("v", "v", "gone", "v", "v"));
  EXPECT_EQ(store->FirstScoreSequence("t"), 1u);
  EXPECT_EQ((*store->ReadScoreLog("t", 0, 1))[0].appended_at_micros,
            absl::ToUnixMicros(kT0));
  EXPECT_THAT(store->ScoreLogTenants(), ::testing::ElementsAre("t"));

  ASSERT_TRUE(store->TrimScoreLog("t", 3).ok());
  EXPECT_EQ(store->FirstScoreSequence("t"), 3u);
  auto log = store->ReadScoreLog("t", 0, 10);
  ASSERT_EQ(log->size(), 3u);
  EXPECT_EQ((*log)[0].sequence, 3u);

  // ForgetVisitor takes the visitor's score events too.
  ASSERT_TRUE(store->EraseVisitor("t", "gone").ok());
  EXPECT_EQ(store->ReadScoreLog("t", 0, 10)->size(), 2u);

  EXPECT_FALSE(store->GetConsumerCursor("t", "crm")->has_value());
  ASSERT_TRUE(store->PutConsumerCursor("t", "crm", 4).ok());
  EXPECT_EQ(**store->GetConsumerCursor("t", "crm"), 4u);
  EXPECT_FALSE(store->GetConsumerCursor("u", "crm")->has_value());

  ASSERT_TRUE(store->TrimScoreLog("t", 100).ok());
  EXPECT_EQ(store->FirstScoreSequence("t"), 5u);  // the last entry stays
  store.reset();
  store = Open();  // numbers continue after a restart, never reused
  EXPECT_EQ(store->FirstScoreSequence("t"), 5u);
  EXPECT_EQ(store->LastScoreSequence("t"), 5u);
  EXPECT_EQ(**store->GetConsumerCursor("t", "crm"), 4u);
}

TEST(ExpiryFilterTest, DropsOnlyExpiredWellFormedEntries) {
  FakeClock clock(kT0);
  ExpiryFilter timeline("t", &TimelineEntryTime, absl::Hours(1), &clock);
  std::string value;
  bool changed = false;
  std::string old_key =
      TimelineKey("t", "v", absl::ToUnixMicros(kT0 - absl::Hours(2)), "e");
  std::string new_key =
      TimelineKey("t", "v", absl::ToUnixMicros(kT0 - absl::Minutes(5)), "e");
  EXPECT_TRUE(timeline.Filter(0, old_key, "", &value, &changed));
  EXPECT_FALSE(timeline.Filter(0, new_key, "", &value, &changed));
  EXPECT_FALSE(timeline.Filter(0, "garbage", "", &value, &changed));
  clock.Advance(absl::Hours(1));
  EXPECT_TRUE(timeline.Filter(0, new_key, "", &value, &changed));
}

}  // namespace
}  // namespace kaiku::storage
