// The exactness scenarios through the real kaikud and kaikuctl: an erased
// visitor stays erased (in the profile, the stream, the files and across a
// restart), a backfill in many requests neither flaps nor goes back in time,
// and `kaikuctl publish` prints exactly one line per event.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "kaiku/v1/ingest.grpc.pb.h"
#include "kaiku/v1/scores.pb.h"
#include "tests/testing/events.h"
#include "tests/testing/kaikud_process.h"
#include "tests/testing/temp_dir.h"

namespace kaiku {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::testing::Jsonl;
using ::kaiku::testing::KaikudProcess;
using ::kaiku::testing::RunCommand;
using ::kaiku::v1::Event;
using ::kaiku::v1::ScoreEvent;
using ::testing::HasSubstr;
using ::testing::Not;

Event PriceList(const std::string& id, const std::string& visitor,
                absl::Time at) {
  Event e;
  e.set_event_id(id);
  e.set_visitor_id(visitor);
  kaiku::testing::SetTime(at, e.mutable_occurred_at());
  e.mutable_price_list_view()->set_url("https://shop.example/pricing");
  e.mutable_price_list_view()->set_price_list_id("main");
  return e;
}

Event Chat(const std::string& id, const std::string& visitor, absl::Time at) {
  Event e;
  e.set_event_id(id);
  e.set_visitor_id(visitor);
  kaiku::testing::SetTime(at, e.mutable_occurred_at());
  e.mutable_chat()->set_intent(kaiku::v1::CHAT_INTENT_BUY);
  return e;
}

// Six price-list views and a chat with intent "buy" within the last hour.
std::vector<Event> Ready(const std::string& visitor, absl::Time now) {
  std::vector<Event> events;
  for (int i = 0; i < 6; ++i) {
    events.push_back(PriceList(absl::StrCat(visitor, "-p", i), visitor,
                               now - absl::Minutes(50 - 5 * i)));
  }
  events.push_back(Chat(visitor + "-chat", visitor, now - absl::Minutes(15)));
  return events;
}

// Does the profile say the same about the visitor as `want` (the timeline and
// the visitor id aside)?
void ExpectSameProfile(const kaiku::v1::VisitorProfile& got,
                       const kaiku::v1::VisitorProfile& want) {
  EXPECT_EQ(got.event_count(), want.event_count());
  EXPECT_EQ(got.session_count(), want.session_count());
  EXPECT_EQ(got.level(), want.level());
  EXPECT_EQ(got.segment(), want.segment());
  EXPECT_EQ(got.stage(), want.stage());
  EXPECT_NEAR(got.score(), want.score(), 0.05);
  ASSERT_EQ(got.explanation().contributions_size(),
            want.explanation().contributions_size())
      << got.explanation().DebugString();
  for (int i = 0; i < got.explanation().contributions_size(); ++i) {
    EXPECT_EQ(got.explanation().contributions(i).signal(),
              want.explanation().contributions(i).signal());
  }
}

class ExactnessTest : public ::testing::Test {
 protected:
  void Start() {
    auto p = KaikudProcess::Start(data_);
    ASSERT_TRUE(p.ok()) << p.status();
    server_ = std::move(p).value();
  }

  std::string Addr() const { return "--addr=" + server_->address(); }

  // kaikuctl publish of the events from standard input; its output lines.
  std::vector<std::string> Publish(const std::vector<Event>& events,
                                   int batch = 100) {
    auto result = RunCommand({kaiku::testing::KaikuctlPath(), "publish", Addr(),
                              absl::StrCat("--batch=", batch)},
                             Jsonl(events));
    EXPECT_EQ(result.exit_code, 0) << result.out;
    return absl::StrSplit(result.out, '\n', absl::SkipEmpty());
  }

  kaiku::v1::VisitorProfile Get(const std::string& visitor) {
    auto profile = kaiku::testing::KaikuctlGet(*server_, visitor);
    EXPECT_TRUE(profile.ok()) << profile.status();
    return profile.value_or(kaiku::v1::VisitorProfile());
  }

  // The whole score stream as `kaikuctl tail` prints it (with --consumer,
  // resuming after that consumer's committed cursor and committing).
  std::vector<ScoreEvent> Tail(const std::string& consumer = "") {
    std::vector<std::string> argv = {kaiku::testing::KaikuctlPath(), "tail",
                                     Addr(), "--timeout=1"};
    if (consumer.empty()) {
      argv.push_back("--from=earliest");
    } else {
      argv.push_back("--consumer=" + consumer);
    }
    auto tail = RunCommand(argv, "");
    EXPECT_EQ(tail.exit_code, 0) << tail.out;
    std::vector<ScoreEvent> events;
    for (absl::string_view line :
         absl::StrSplit(tail.out, '\n', absl::SkipEmpty())) {
      ScoreEvent& e = events.emplace_back();
      EXPECT_TRUE(
          google::protobuf::util::JsonStringToMessage(std::string(line), &e)
              .ok())
          << line;
    }
    return events;
  }

  std::string Forget(const std::string& visitor) {
    auto forget = RunCommand(
        {kaiku::testing::KaikuctlPath(), "forget", visitor, Addr()}, "");
    EXPECT_EQ(forget.exit_code, 0) << forget.out;
    return forget.out;
  }

  kaiku::testing::TempDir dir_;
  const std::string data_ = dir_.Sub("data");
  std::unique_ptr<KaikudProcess> server_;
  const absl::Time now_ = absl::Now();
};

std::vector<ScoreEvent> Of(const std::vector<ScoreEvent>& events,
                           const std::string& visitor) {
  std::vector<ScoreEvent> out;
  for (const ScoreEvent& e : events)
    if (e.visitor_id() == visitor) out.push_back(e);
  return out;
}

// Level changes that return to the level before the previous one.
int Flaps(const std::vector<ScoreEvent>& events) {
  std::vector<kaiku::v1::Level> levels;
  for (const ScoreEvent& e : events) {
    if (e.kind() == kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED)
      levels.push_back(e.level());
  }
  int flaps = 0;
  for (size_t i = 2; i < levels.size(); ++i) {
    const bool up = levels[i - 1] > levels[i - 2];
    const bool up_again = levels[i] > levels[i - 1];
    flaps += up != up_again && levels[i] != levels[i - 1] ? 1 : 0;
  }
  return flaps;
}

TEST_F(ExactnessTest, AnErasedVisitorStartsAfreshWithTheNextEvent) {
  Start();
  Publish(Ready("forget-me", now_));
  ASSERT_EQ(Get("forget-me").level(), kaiku::v1::LEVEL_SALES_READY);
  ASSERT_FALSE(Of(Tail(), "forget-me").empty());

  EXPECT_THAT(Forget("forget-me"), HasSubstr("\"eventsErased\":\"7\""));
  // Nothing of it is served from the stream, memory included.
  EXPECT_TRUE(Of(Tail(), "forget-me").empty());

  const absl::Time blog = now_ - absl::Minutes(1);
  Publish({kaiku::testing::PageView("forget-me-blog", "forget-me", blog,
                                    "https://shop.example/blog/10-tips"),
           kaiku::testing::PageView("fresh-blog", "fresh", blog,
                                    "https://shop.example/blog/10-tips")});
  const kaiku::v1::VisitorProfile erased = Get("forget-me");
  EXPECT_EQ(erased.event_count(), 1);
  EXPECT_EQ(erased.level(), kaiku::v1::LEVEL_COLD);
  ExpectSameProfile(erased, Get("fresh"));

  // The same after a restart: nothing was written back.
  ASSERT_EQ(server_->Terminate(), 0);
  Start();
  ExpectSameProfile(Get("forget-me"), Get("fresh"));
  EXPECT_TRUE(Of(Tail(), "forget-me").empty());
}

TEST_F(ExactnessTest, AnErasedEventIdMayBeSentAgain) {
  Start();
  Publish(Ready("forget-ids", now_));
  Forget("forget-ids");
  // The dedupe entries went with the events: the same ids are new again.
  std::vector<std::string> lines = Publish(Ready("forget-ids", now_));
  ASSERT_EQ(lines.size(), 7u);
  for (const std::string& line : lines)
    EXPECT_THAT(line, HasSubstr("OUTCOME_ACCEPTED"));
  EXPECT_EQ(Get("forget-ids").event_count(), 7);
}

// Every file under `dir` that holds `needle`.
std::vector<std::string> FilesHolding(const std::string& dir,
                                      const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos)
      found.push_back(entry.path().string());
  }
  return found;
}

TEST_F(ExactnessTest, AnErasedVisitorIsPhysicallyGoneWhenForgetReturns) {
  Start();
  const std::string visitor = "erase-me-6b1d9f";
  std::vector<Event> events = Ready(visitor, now_);
  // Ids that occur once in a file are stored literally even in compressed
  // blocks: a search of the bytes finds them.
  const std::string kept = "keep-me-93ac1e";
  for (int i = 0; i < 7; ++i) {
    events.push_back(kaiku::testing::PageView(absl::StrCat("k", i), kept,
                                              now_ - absl::Minutes(30 - i)));
  }
  Publish(events);
  // A backup on the same disk (its files are flushed SST files), then more
  // events that are only in the write-ahead log and the memtables.
  auto checkpoint =
      RunCommand({kaiku::testing::KaikuctlPath(), "checkpoint", Addr()}, "");
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.out;
  Publish({kaiku::testing::PageView(visitor + "-late", visitor,
                                    now_ - absl::Minutes(2))});
  ASSERT_FALSE(FilesHolding(data_, visitor).empty());

  EXPECT_THAT(Forget(visitor), HasSubstr("\"eventsErased\":\"8\""));
  EXPECT_THAT(FilesHolding(data_, visitor), ::testing::IsEmpty());
  // The other visitors are still there, in the store and the checkpoint.
  EXPECT_EQ(Get(kept).event_count(), 7);
  EXPECT_GE(FilesHolding(data_ + "/checkpoints", kept).size(), 1u);
}

TEST_F(ExactnessTest, SequenceNumbersAreNotReusedAfterErasingTheLastOwner) {
  Start();
  Publish(Ready("first", now_));
  Publish(Ready("last-owner", now_));
  const std::vector<ScoreEvent> before = Tail("crm");
  ASSERT_FALSE(before.empty());
  ASSERT_EQ(before.back().visitor_id(), "last-owner");
  const int64_t last_id = std::stoll(before.back().id());

  Forget("last-owner");
  ASSERT_EQ(server_->Terminate(), 0);
  Start();
  Publish(Ready("after", now_));
  const std::vector<ScoreEvent> resumed = Tail("crm");
  ASSERT_FALSE(resumed.empty());
  for (const ScoreEvent& e : resumed) {
    EXPECT_EQ(e.visitor_id(), "after");
    EXPECT_GT(std::stoll(e.id()), last_id);
  }
  EXPECT_EQ(resumed.size(), Of(Tail(), "after").size());
}

TEST_F(ExactnessTest, ABackfillInManyRequestsNeverFlapsNorGoesBack) {
  Start();
  // 16 events three days ago, a price-list view and a product page every
  // 10 minutes: one visitor in 8 requests, another in one.
  auto backfill = [&](const std::string& visitor) {
    std::vector<Event> events;
    const absl::Time start = now_ - absl::Hours(72);
    for (int i = 0; i < 8; ++i) {
      events.push_back(PriceList(absl::StrCat(visitor, "-p", i), visitor,
                                 start + absl::Minutes(20 * i)));
      events.push_back(
          kaiku::testing::PageView(absl::StrCat(visitor, "-v", i), visitor,
                                   start + absl::Minutes(20 * i + 10),
                                   "https://shop.example/products/boat"));
    }
    return events;
  };
  const std::vector<Event> late = backfill("late-v");
  for (size_t i = 0; i < late.size(); i += 2) Publish({late[i], late[i + 1]});
  Publish(backfill("once-v"));

  const std::vector<ScoreEvent> stream = Tail();
  const std::vector<ScoreEvent> late_events = Of(stream, "late-v");
  ASSERT_FALSE(late_events.empty());
  for (size_t i = 1; i < late_events.size(); ++i) {
    EXPECT_LE(
        TimeUtil::TimestampToMicroseconds(late_events[i - 1].occurred_at()),
        TimeUtil::TimestampToMicroseconds(late_events[i].occurred_at()))
        << "score event " << i << " goes back in time";
  }
  EXPECT_EQ(Flaps(late_events), 0);
  EXPECT_LE(late_events.size(), Of(stream, "once-v").size());
  ExpectSameProfile(Get("late-v"), Get("once-v"));
}

// The shop starter model's calendar, session, recency and top-URL signals
// (and its learned curves) through the real pipeline: a visit across midnight
// sent backwards, one event per request, ends exactly where the same visit in
// one request ends, and the checker finds every stored state equal to its
// timeline refolded.
TEST_F(ExactnessTest, LateEventsFoldExactlyUnderTheShopModel) {
  const std::string model =
      KAIKU_SOURCE_DIR "/deploy/config/shop-model.textproto";
  auto p = KaikudProcess::Start(data_, {"--model=" + model});
  ASSERT_TRUE(p.ok()) << p.status();
  server_ = std::move(p).value();
  const absl::Time midnight =
      absl::FromCivil(absl::CivilDay(absl::ToCivilDay(now_ - absl::Hours(48),
                                                      absl::UTCTimeZone())),
                      absl::UTCTimeZone());
  auto visit = [&](const std::string& visitor) {
    std::vector<Event> events;
    const std::pair<int, const char*> steps[] = {
        {-30, "/products/a"}, {-25, "/products/a"}, {-10, "/cart?item=a"},
        {5, "/products/b"},   {12, "/products/a"},  {40, "/cart?item=a"}};
    int k = 0;
    for (const auto& [minute, path] : steps) {
      events.push_back(
          kaiku::testing::PageView(absl::StrCat(visitor, "-", k++), visitor,
                                   midnight + absl::Minutes(minute),
                                   absl::StrCat("https://shop.example", path)));
    }
    Event buy;
    buy.set_event_id(visitor + "-buy");
    buy.set_visitor_id(visitor);
    kaiku::testing::SetTime(midnight + absl::Minutes(45),
                            buy.mutable_occurred_at());
    buy.mutable_conversion()->set_order_id(visitor + "-o");
    events.push_back(buy);
    return events;
  };
  std::vector<Event> late = visit("late-s");
  for (auto it = late.rbegin(); it != late.rend(); ++it) Publish({*it});
  Publish(visit("once-s"));

  const kaiku::v1::VisitorProfile a = Get("late-s");
  const kaiku::v1::VisitorProfile b = Get("once-s");
  ExpectSameProfile(a, b);
  std::map<std::string, double> values;
  for (const auto& c : b.explanation().contributions())
    values[c.signal()] = c.value();
  EXPECT_EQ(values["days_active"], 2);
  EXPECT_EQ(values["conversions"], 1);
  EXPECT_EQ(values["max_views_of_one_page"], 3);
  // The two reads are moments apart: values that move with time (seconds
  // since, decay) differ by that much, no more.
  for (int i = 0; i < a.explanation().contributions_size(); ++i) {
    const double va = a.explanation().contributions(i).value();
    const double vb = b.explanation().contributions(i).value();
    EXPECT_NEAR(va, vb, 1e-4 * std::abs(vb) + 1e-9)
        << a.explanation().contributions(i).signal();
  }
  const std::vector<ScoreEvent> stream = Tail();
  const std::vector<ScoreEvent> late_events = Of(stream, "late-s");
  for (size_t i = 1; i < late_events.size(); ++i) {
    EXPECT_LE(
        TimeUtil::TimestampToMicroseconds(late_events[i - 1].occurred_at()),
        TimeUtil::TimestampToMicroseconds(late_events[i].occurred_at()));
  }

  ASSERT_EQ(server_->Terminate(), 0);
  server_.reset();
  auto check = RunCommand(
      {KAIKU_CHECK_PATH, "--store=" + data_ + "/db", "--model=" + model}, "");
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_THAT(check.out, HasSubstr("exact: 1 tenants, 2 visitors, 14 events"));
  EXPECT_THAT(check.out, HasSubstr("0 mismatches"));
}

// States are written behind: after kill -9 the stored states lag, the
// checker replays the journal and finds the store exact, and the restarted
// kaikud answers GetVisitor exactly as before the kill.
TEST_F(ExactnessTest, StatesNotYetWrittenSurviveKill9) {
  Start();
  Publish(Ready("buyer-1", now_));
  Publish(Ready("buyer-2", now_ - absl::Hours(1)));
  const kaiku::v1::VisitorProfile before_1 = Get("buyer-1");
  const kaiku::v1::VisitorProfile before_2 = Get("buyer-2");
  ASSERT_EQ(before_1.level(), kaiku::v1::LEVEL_SALES_READY);
  const std::vector<ScoreEvent> stream = Tail();
  server_->Kill();
  server_.reset();

  auto check = RunCommand({KAIKU_CHECK_PATH, "--store=" + data_ + "/db"}, "");
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_THAT(check.out,
              HasSubstr("2 visitor states replayed from 2 journal records"));

  Start();
  for (const auto& [visitor, before] :
       {std::pair{"buyer-1", before_1}, std::pair{"buyer-2", before_2}}) {
    const kaiku::v1::VisitorProfile after = Get(visitor);
    // (Evaluated as of now: seconds of decay apart.)
    EXPECT_NEAR(after.score(), before.score(), 1e-3 * before.score())
        << visitor;
    EXPECT_EQ(after.level(), before.level()) << visitor;
    EXPECT_EQ(after.segment(), before.segment()) << visitor;
    EXPECT_EQ(after.stage(), before.stage()) << visitor;
    EXPECT_EQ(after.event_count(), before.event_count()) << visitor;
    EXPECT_EQ(after.session_count(), before.session_count()) << visitor;
  }
  // Nothing was published again by the recovery.
  EXPECT_EQ(Tail().size(), stream.size());
  ASSERT_EQ(server_->Terminate(), 0);
  server_.reset();
  check = RunCommand({KAIKU_CHECK_PATH, "--store=" + data_ + "/db"}, "");
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_THAT(check.out,
              HasSubstr("0 visitor states replayed from 0 journal records"));
}

// Page values are learned from the conversions kaikud stores and stamped on
// later page views when they are stored; a value a client sends is replaced.
TEST_F(ExactnessTest, PageValuesAreLearnedAndStampedWhenStored) {
  Start();
  const std::string product = "https://shop.example/products/boat";
  Event buy;
  buy.set_event_id("pv-a-buy");
  buy.set_visitor_id("pv-a");
  kaiku::testing::SetTime(now_ - absl::Minutes(9), buy.mutable_occurred_at());
  buy.mutable_conversion()->set_order_id("o-1");
  buy.mutable_conversion()->set_value(80);
  Publish({kaiku::testing::PageView("pv-a-1", "pv-a", now_ - absl::Minutes(10),
                                    product),
           buy});
  Event forged =
      kaiku::testing::PageView("pv-c-1", "pv-c", now_ - absl::Minutes(5),
                               "https://shop.example/products/never-bought");
  forged.mutable_page_view()->set_page_value(999);
  Publish({kaiku::testing::PageView("pv-b-1", "pv-b", now_ - absl::Minutes(5),
                                    product),
           forged});

  auto timeline = [&](const std::string& visitor) {
    auto got = RunCommand({kaiku::testing::KaikuctlPath(), "get", visitor,
                           "--limit", "10", Addr()},
                          "");
    EXPECT_EQ(got.exit_code, 0) << got.out;
    kaiku::v1::VisitorProfile profile;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(got.out, &profile).ok())
        << got.out;
    return profile;
  };
  // The buyer's own view came before any purchase: no value.
  EXPECT_EQ(timeline("pv-a").timeline(0).page_view().page_value(), 0);
  // The next visitor's view of the page carries the purchase that followed
  // it: 80 over (1 view + 1), the view decayed for five minutes.
  EXPECT_NEAR(timeline("pv-b").timeline(0).page_view().page_value(), 40, 0.01);
  EXPECT_EQ(timeline("pv-c").timeline(0).page_view().page_value(), 0);
}

TEST_F(ExactnessTest, PublishPrintsOneLinePerEventOnce) {
  Start();
  std::vector<Event> events;
  for (int i = 0; i < 30000; ++i) {
    events.push_back(kaiku::testing::PageView(
        absl::StrCat("bulk-", i), absl::StrCat("bulk-v", i % 3000),
        now_ - absl::Minutes(30) + absl::Milliseconds(i)));
  }
  const std::vector<std::string> lines = Publish(events, 500);
  ASSERT_EQ(lines.size(), events.size());
  std::set<int> indices;
  for (const std::string& line : lines) {
    kaiku::v1::EventResult result;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &result).ok())
        << line;
    EXPECT_EQ(result.outcome(), kaiku::v1::OUTCOME_ACCEPTED);
    EXPECT_EQ(result.event_id(), absl::StrCat("bulk-", result.index()));
    indices.insert(result.index());
  }
  EXPECT_EQ(indices.size(), events.size());
}

}  // namespace
}  // namespace kaiku
