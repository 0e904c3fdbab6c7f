// The score stream through the real kaikud: replay then live with no gap or
// duplicate, resume after a disconnect and after a restart, an expired cursor,
// filters, named consumers, tenant isolation, and a stalled subscriber that
// holds up nobody.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "kaiku/v1/ingest.grpc.pb.h"
#include "kaiku/v1/scores.grpc.pb.h"
#include "lib/auth/authenticator.h"
#include "lib/scorelog/cursor.h"
#include "tests/testing/kaikud_process.h"
#include "tests/testing/scenarios.h"
#include "tests/testing/temp_dir.h"

namespace kaiku {
namespace {

using ::kaiku::testing::EndingAt;
using ::kaiku::testing::KaikudProcess;
using ::kaiku::v1::ScoreEvent;
using ::testing::HasSubstr;

uint64_t Seq(const ScoreEvent& e) {
  uint64_t s = 0;
  EXPECT_TRUE(absl::SimpleAtoi(e.id(), &s)) << e.id();
  return s;
}

// One Subscribe call, read synchronously with a deadline.
class Subscription {
 public:
  Subscription(kaiku::v1::Scores::Stub* stub,
               const kaiku::v1::SubscribeRequest& request,
               const std::string& key = "") {
    context_.set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(60));
    if (!key.empty()) context_.AddMetadata("authorization", "Bearer " + key);
    reader_ = stub->Subscribe(&context_, request);
  }
  ~Subscription() {
    if (!finished_) (void)Finish();
  }

  // Reads until `n` score events (heartbeats not counted) arrived or the
  // stream ended; `until_heartbeat` stops at the first heartbeat instead.
  std::vector<ScoreEvent> Read(size_t n, bool until_heartbeat = false) {
    std::vector<ScoreEvent> events;
    ScoreEvent e;
    while ((until_heartbeat || events.size() < n) && reader_->Read(&e)) {
      if (e.kind() == kaiku::v1::SCORE_EVENT_KIND_HEARTBEAT) {
        last_heartbeat_cursor_ = e.cursor();
        if (until_heartbeat) break;
        continue;
      }
      events.push_back(e);
    }
    return events;
  }

  grpc::Status Finish() {
    context_.TryCancel();
    return FinishWithoutCancel();
  }
  grpc::Status FinishWithoutCancel() {
    finished_ = true;
    return reader_->Finish();
  }
  const std::string& last_heartbeat_cursor() const {
    return last_heartbeat_cursor_;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<ScoreEvent>> reader_;
  std::string last_heartbeat_cursor_;
  bool finished_ = false;
};

class ScoreStreamTest : public ::testing::Test {
 protected:
  void Start(const std::string& config = "",
             std::vector<std::string> flags = {}) {
    std::ofstream(dir_.Sub("kaikud.textproto"))
        << (config.empty()
                ? "score_stream { heartbeat_interval { nanos: 200000000 } }\n"
                : config);
    flags.push_back("--config=" + dir_.Sub("kaikud.textproto"));
    auto p = KaikudProcess::Start(dir_.Sub("data"), flags);
    ASSERT_TRUE(p.ok()) << p.status();
    server_ = std::move(p).value();
    ingest_ = kaiku::v1::Ingest::NewStub(server_->channel());
    scores_ = kaiku::v1::Scores::NewStub(server_->channel());
  }

  // Publishes the brief's buyer (several score events each).
  void PublishBuyers(int n, const std::string& prefix,
                     const std::string& key = "") {
    kaiku::v1::PublishRequest request;
    for (int i = 0; i < n; ++i) {
      const kaiku::testing::Journey buyer =
          EndingAt(kaiku::testing::Buyer, absl::StrCat(prefix, i),
                   absl::Now() - absl::Minutes(1));
      // A journey in one request: split, its later part would be late (the
      // journey is in the past), and publish as of now (the time rule).
      if (request.events_size() + buyer.events().size() > 1000)
        Send(request, key);
      for (const auto& e : buyer.events()) *request.add_events() = e;
    }
    if (request.events_size() > 0) Send(request, key);
  }

  void Send(kaiku::v1::PublishRequest& request, const std::string& key) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(60));
    if (!key.empty()) context.AddMetadata("authorization", "Bearer " + key);
    kaiku::v1::PublishResponse response;
    ASSERT_TRUE(ingest_->Publish(&context, request, &response).ok());
    for (const auto& r : response.results())
      ASSERT_EQ(r.outcome(), kaiku::v1::OUTCOME_ACCEPTED);
    request.clear_events();
  }

  static kaiku::v1::SubscribeRequest Earliest() {
    kaiku::v1::SubscribeRequest r;
    r.set_from_earliest(true);
    return r;
  }
  static kaiku::v1::SubscribeRequest After(const std::string& cursor) {
    kaiku::v1::SubscribeRequest r;
    r.set_after_cursor(cursor);
    return r;
  }

  static void ExpectContiguous(const std::vector<ScoreEvent>& events,
                               uint64_t first) {
    for (size_t i = 0; i < events.size(); ++i)
      ASSERT_EQ(Seq(events[i]), first + i) << "at " << i;
  }

  kaiku::testing::TempDir dir_;
  std::unique_ptr<KaikudProcess> server_;
  std::unique_ptr<kaiku::v1::Ingest::Stub> ingest_;
  std::unique_ptr<kaiku::v1::Scores::Stub> scores_;
};

TEST_F(ScoreStreamTest, ReplaysThenFollowsLiveWithoutGapOrDuplicate) {
  Start();
  PublishBuyers(3, "before-");
  Subscription sub(scores_.get(), Earliest());
  std::vector<ScoreEvent> replayed = sub.Read(0, /*until_heartbeat=*/true);
  ASSERT_GE(replayed.size(), 3u * 4);
  ExpectContiguous(replayed, 1);
  EXPECT_EQ(sub.last_heartbeat_cursor(), replayed.back().cursor());
  for (const ScoreEvent& e : replayed) {
    EXPECT_FALSE(e.model_version().empty());
    EXPECT_THAT(e.visitor_id(), HasSubstr("before-"));
  }
  PublishBuyers(2, "live-");
  std::vector<ScoreEvent> live = sub.Read(replayed.size() * 2 / 3);
  ExpectContiguous(live, replayed.size() + 1);
  for (const ScoreEvent& e : live)
    EXPECT_THAT(e.visitor_id(), HasSubstr("live-"));
}

TEST_F(ScoreStreamTest, ResumesAfterTheLastCursorOfACutOffStream) {
  Start();
  PublishBuyers(3, "v");
  std::vector<ScoreEvent> all =
      Subscription(scores_.get(), Earliest()).Read(0, /*until_heartbeat=*/true);
  std::vector<ScoreEvent> first;
  {
    Subscription cut(scores_.get(), Earliest());
    first = cut.Read(5);
  }  // cut off midway
  ASSERT_EQ(first.size(), 5u);
  Subscription resumed(scores_.get(), After(first.back().cursor()));
  std::vector<ScoreEvent> rest = resumed.Read(all.size() - 5);
  ExpectContiguous(rest, 6);
  ASSERT_EQ(first.size() + rest.size(), all.size());
  for (size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(rest[i].id(), all[5 + i].id());  // stable ids on re-delivery
    EXPECT_EQ(rest[i].visitor_id(), all[5 + i].visitor_id());
  }
}

TEST_F(ScoreStreamTest, ServerRestartUnderALiveSubscriptionResumes) {
  Start();
  PublishBuyers(2, "a");
  std::string cursor;
  uint64_t seen = 0;
  {
    Subscription sub(scores_.get(), Earliest());
    std::vector<ScoreEvent> events = sub.Read(0, /*until_heartbeat=*/true);
    ASSERT_FALSE(events.empty());
    ExpectContiguous(events, 1);
    seen = events.size();
    cursor = events.back().cursor();
    ASSERT_EQ(server_->Terminate(), 0);
    EXPECT_FALSE(sub.FinishWithoutCancel().ok());  // the stream ended
  }
  Start();
  PublishBuyers(2, "b");
  Subscription resumed(scores_.get(), After(cursor));
  std::vector<ScoreEvent> events = resumed.Read(0, /*until_heartbeat=*/true);
  ASSERT_FALSE(events.empty());
  ExpectContiguous(events, seen + 1);
  for (const ScoreEvent& e : events) EXPECT_EQ(e.visitor_id()[0], 'b');
}

TEST_F(ScoreStreamTest, ExpiredCursorIsOutOfRangeWithTheEarliestCursor) {
  Start(
      "score_stream { max_entries_per_tenant: 4 "
      "retention_interval { nanos: 100000000 } "
      "heartbeat_interval { nanos: 200000000 } }\n");
  PublishBuyers(3, "v");
  // Wait (bounded) for retention to run.
  std::vector<ScoreEvent> kept;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  do {
    kept = Subscription(scores_.get(), Earliest()).Read(0, true);
  } while (kept.size() > 4 && absl::Now() < deadline);
  ASSERT_EQ(kept.size(), 4u);

  Subscription old(scores_.get(), After(scorelog::EncodeCursor("default", 1)));
  EXPECT_TRUE(old.Read(1).empty());
  grpc::Status status = old.FinishWithoutCancel();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(status.error_message(), HasSubstr("cursor expired"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  google::rpc::ErrorInfo info;
  ASSERT_EQ(details.details_size(), 1);
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "CURSOR_EXPIRED");
  const std::string earliest = info.metadata().at("earliest_cursor");
  std::vector<ScoreEvent> from_earliest =
      Subscription(scores_.get(), After(earliest)).Read(0, true);
  ASSERT_EQ(from_earliest.size(), 4u);
  EXPECT_EQ(from_earliest[0].id(), kept[0].id());
}

TEST_F(ScoreStreamTest, FiltersByKindAndLevelAndHeartbeatsCarryTheCursor) {
  Start();
  PublishBuyers(2, "v");
  kaiku::v1::SubscribeRequest triggers = Earliest();
  triggers.add_kinds(kaiku::v1::SCORE_EVENT_KIND_TRIGGER_FIRED);
  Subscription sub(scores_.get(), triggers);
  std::vector<ScoreEvent> events = sub.Read(0, true);
  ASSERT_EQ(events.size(), 2u);  // the third price-list view, once per buyer
  for (const ScoreEvent& e : events)
    EXPECT_EQ(e.trigger(), "third_price_list_view_today");
  // The heartbeat's cursor is past everything filtered out too.
  std::vector<ScoreEvent> all =
      Subscription(scores_.get(), Earliest()).Read(0, true);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(sub.last_heartbeat_cursor(), all.back().cursor());

  kaiku::v1::SubscribeRequest hot = Earliest();
  hot.set_min_level(kaiku::v1::LEVEL_HOT);
  for (const ScoreEvent& e : Subscription(scores_.get(), hot).Read(0, true))
    EXPECT_GE(e.level(), kaiku::v1::LEVEL_HOT);
}

TEST_F(ScoreStreamTest, NamedConsumerResumesWhereItCommitted) {
  Start();
  PublishBuyers(2, "v");
  const std::string addr = "--addr=" + server_->address();
  auto first =
      kaiku::testing::RunCommand({kaiku::testing::KaikuctlPath(), "tail", addr,
                                  "--consumer=crm", "--limit=3"},
                                 "");
  ASSERT_EQ(first.exit_code, 0);
  EXPECT_THAT(first.out, HasSubstr("\"id\":\"1\""));
  EXPECT_THAT(first.out, HasSubstr("\"id\":\"3\""));
  auto second =
      kaiku::testing::RunCommand({kaiku::testing::KaikuctlPath(), "tail", addr,
                                  "--consumer=crm", "--limit=2"},
                                 "");
  ASSERT_EQ(second.exit_code, 0);
  EXPECT_THAT(second.out, ::testing::StartsWith("{\"id\":\"4\""));
  EXPECT_THAT(second.out, HasSubstr("\"id\":\"5\""));

  kaiku::v1::SubscribeRequest by_name;
  by_name.set_consumer_name("crm");
  EXPECT_EQ(Seq(Subscription(scores_.get(), by_name).Read(1).at(0)), 6u);
  auto bad =
      kaiku::testing::RunCommand({kaiku::testing::KaikuctlPath(), "tail", addr,
                                  "--from=not-a-cursor", "--limit=1"},
                                 "");
  EXPECT_EQ(bad.exit_code, 1);
}

TEST_F(ScoreStreamTest, TenantsSeeOnlyTheirOwnStream) {
  std::ofstream(dir_.Sub("keys"))
      << auth::HashApiKey("key-a") << " a ingest,subscribe\n"
      << auth::HashApiKey("key-b") << " b ingest,subscribe\n";
  Start("", {"--keys_file=" + dir_.Sub("keys")});
  PublishBuyers(1, "va", "key-a");
  std::vector<ScoreEvent> a =
      Subscription(scores_.get(), Earliest(), "key-a").Read(0, true);
  ASSERT_FALSE(a.empty());
  Subscription b(scores_.get(), Earliest(), "key-b");
  EXPECT_TRUE(b.Read(0, true).empty());
  Subscription b_with_a_cursor(scores_.get(), After(a[0].cursor()), "key-b");
  b_with_a_cursor.Read(1);
  EXPECT_EQ(b_with_a_cursor.FinishWithoutCancel().error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ScoreStreamTest, StalledSubscriberHoldsUpNeitherIngestNorOthers) {
  Start();
  // Opens a stream and never reads it.
  kaiku::v1::SubscribeRequest latest;
  latest.set_from_latest(true);
  Subscription stalled(scores_.get(), latest);
  Subscription fast(scores_.get(), latest);
  fast.Read(0, true);       // caught up
  PublishBuyers(300, "v");  // about 2,000 score events
  std::vector<ScoreEvent> events = fast.Read(300 * 6);
  ASSERT_EQ(events.size(), 300u * 6);
  ExpectContiguous(events, Seq(events.front()));
}

}  // namespace
}  // namespace kaiku
