// kill -9 of kaikud while a client streams: every acknowledged event is there
// after restart.
#include <map>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "kaiku/v1/ingest.grpc.pb.h"
#include "kaiku/v1/scores.grpc.pb.h"
#include "tests/testing/events.h"
#include "tests/testing/kaikud_process.h"
#include "tests/testing/temp_dir.h"

namespace kaiku {
namespace {

using ::kaiku::testing::KaikudProcess;

constexpr int kVisitors = 40;
constexpr int kPerRequest = 50;
// The server is killed once this many requests were acknowledged; the client
// keeps writing (at most kMaxRequests) so that writes are in flight at the
// kill.
constexpr int kKillAfterAcks = 40;
constexpr int kMaxRequests = 2000;

class Kill9Test : public ::testing::TestWithParam<std::string> {};

TEST_P(Kill9Test, AcknowledgedEventsSurvive) {
  kaiku::testing::TempDir dir;
  const std::string data = dir.Sub("data");
  auto server = KaikudProcess::Start(data, {"--durability=" + GetParam()});
  ASSERT_TRUE(server.ok()) << server.status();
  const absl::Time base = absl::Now() - absl::Hours(1);

  auto stub = kaiku::v1::Ingest::NewStub((*server)->channel());
  grpc::ClientContext context;
  auto stream = stub->PublishStream(&context);
  std::map<uint64_t, std::vector<std::pair<std::string, std::string>>>
      sent;  // seq -> ids
  std::mutex mu;
  std::thread writer([&] {
    for (int r = 0; r < kMaxRequests; ++r) {
      kaiku::v1::PublishRequest request;
      request.set_sequence(r + 1);
      std::vector<std::pair<std::string, std::string>> ids;
      for (int i = 0; i < kPerRequest; ++i) {
        int n = r * kPerRequest + i;
        std::string visitor = absl::StrCat("v", n % kVisitors);
        std::string id = absl::StrCat("e", n);
        *request.add_events() =
            kaiku::testing::PageView(id, visitor, base + absl::Milliseconds(n));
        ids.emplace_back(visitor, id);
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        sent[r + 1] = std::move(ids);
      }
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });

  std::set<std::pair<std::string, std::string>> acked;
  kaiku::v1::PublishResponse response;
  int acks = 0;
  while (stream->Read(&response)) {
    ASSERT_EQ(response.status().code(), 0);
    std::lock_guard<std::mutex> lock(mu);
    const auto& ids = sent[response.sequence()];
    for (const auto& result : response.results()) {
      if (result.outcome() == kaiku::v1::OUTCOME_ACCEPTED ||
          result.outcome() == kaiku::v1::OUTCOME_DUPLICATE) {
        acked.insert(ids[result.index()]);
      }
    }
    if (++acks == kKillAfterAcks) (*server)->Kill();
  }
  writer.join();
  (void)stream->Finish();
  ASSERT_GE(acks, kKillAfterAcks);
  ASSERT_GE(acked.size(), static_cast<size_t>(kKillAfterAcks * kPerRequest));

  auto restarted = KaikudProcess::Start(data, {"--durability=" + GetParam()});
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  auto scores = kaiku::v1::Scores::NewStub((*restarted)->channel());
  std::set<std::pair<std::string, std::string>> stored;
  for (int v = 0; v < kVisitors; ++v) {
    kaiku::v1::GetVisitorRequest request;
    request.set_visitor_id(absl::StrCat("v", v));
    request.set_timeline_page_size(1000);
    do {
      grpc::ClientContext ctx;
      kaiku::v1::VisitorProfile profile;
      grpc::Status status = scores->GetVisitor(&ctx, request, &profile);
      ASSERT_TRUE(status.ok()) << status.error_message();
      int64_t last = INT64_MIN;
      for (const auto& e : profile.timeline()) {
        stored.emplace(e.visitor_id(), e.event_id());
        int64_t t =
            e.occurred_at().seconds() * 1000000000LL + e.occurred_at().nanos();
        EXPECT_GE(t, last);
        last = t;
      }
      request.set_timeline_page_token(profile.next_timeline_page_token());
    } while (!request.timeline_page_token().empty());
  }
  size_t missing = 0;
  for (const auto& id : acked) missing += stored.count(id) == 0 ? 1 : 0;
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged events";
}

INSTANTIATE_TEST_SUITE_P(Durability, Kill9Test,
                         ::testing::Values("process", "fsync"));

}  // namespace
}  // namespace kaiku
