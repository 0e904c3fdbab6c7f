// Starts the real kaikud on 127.0.0.1:0 with a temp data dir and talks gRPC to
// it.
#include <fstream>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "kaiku/v1/ingest.grpc.pb.h"
#include "kaiku/v1/privacy.grpc.pb.h"
#include "kaiku/v1/scores.grpc.pb.h"
#include "lib/auth/authenticator.h"
#include "tests/testing/events.h"
#include "tests/testing/kaikud_process.h"
#include "tests/testing/temp_dir.h"

namespace kaiku {
namespace {

using ::kaiku::testing::KaikudProcess;
using ::kaiku::testing::PageView;
using ::kaiku::v1::PublishRequest;
using ::kaiku::v1::PublishResponse;
using ::testing::HasSubstr;

class IngestIntegrationTest : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& flags = {}) {
    auto p = KaikudProcess::Start(dir_.Sub("data"), flags);
    ASSERT_TRUE(p.ok()) << p.status();
    server_ = std::move(p).value();
    ingest_ = kaiku::v1::Ingest::NewStub(server_->channel());
    scores_ = kaiku::v1::Scores::NewStub(server_->channel());
  }

  grpc::Status Publish(const PublishRequest& request, PublishResponse* response,
                       const std::string& key = "") {
    grpc::ClientContext context;
    if (!key.empty()) context.AddMetadata("authorization", "Bearer " + key);
    return ingest_->Publish(&context, request, response);
  }

  grpc::Status Get(const std::string& visitor,
                   kaiku::v1::VisitorProfile* profile,
                   const std::string& key = "") {
    grpc::ClientContext context;
    if (!key.empty()) context.AddMetadata("authorization", "Bearer " + key);
    kaiku::v1::GetVisitorRequest request;
    request.set_visitor_id(visitor);
    request.set_timeline_page_size(1000);
    return scores_->GetVisitor(&context, request, profile);
  }

  kaiku::testing::TempDir dir_;
  std::unique_ptr<KaikudProcess> server_;
  std::unique_ptr<kaiku::v1::Ingest::Stub> ingest_;
  std::unique_ptr<kaiku::v1::Scores::Stub> scores_;
  const absl::Time now_ = absl::Now() - absl::Minutes(1);
};

TEST_F(IngestIntegrationTest, MixedBatchStoresValidAndNamesBadFields) {
  Start();
  PublishRequest request;
  request.set_sequence(7);
  *request.add_events() = PageView("e0", "v1", now_);
  auto* bad = request.add_events();
  *bad = PageView("e1", "", now_);  // missing visitor_id
  *request.add_events() = PageView("e2", "v1", now_ + absl::Seconds(1));
  auto* bad_url = request.add_events();
  *bad_url = PageView("e3", "v1", now_, "not-a-url");
  PublishResponse response;
  ASSERT_TRUE(Publish(request, &response).ok());
  EXPECT_EQ(response.sequence(), 7u);
  ASSERT_EQ(response.results_size(), 4);
  EXPECT_EQ(response.accepted_count(), 2);
  EXPECT_EQ(response.rejected_count(), 2);
  EXPECT_EQ(response.results(0).outcome(), kaiku::v1::OUTCOME_ACCEPTED);
  EXPECT_EQ(response.results(1).outcome(), kaiku::v1::OUTCOME_REJECTED);
  EXPECT_EQ(response.results(1).index(), 1);
  EXPECT_EQ(response.results(1).violations(0).field(), "events[1].visitor_id");
  EXPECT_EQ(response.results(2).outcome(), kaiku::v1::OUTCOME_ACCEPTED);
  EXPECT_EQ(response.results(3).violations(0).field(),
            "events[3].page_view.url");

  kaiku::v1::VisitorProfile profile;
  ASSERT_TRUE(Get("v1", &profile).ok());
  EXPECT_EQ(profile.event_count(), 2);
  ASSERT_EQ(profile.timeline_size(), 2);
  EXPECT_EQ(profile.timeline(0).event_id(), "e0");
  EXPECT_EQ(profile.timeline(1).event_id(), "e2");
}

TEST_F(IngestIntegrationTest,
       MalformedRequestIsInvalidArgumentWithFieldViolations) {
  Start();
  PublishRequest request;
  for (int i = 0; i < 1001; ++i)
    *request.add_events() = PageView(absl::StrCat("e", i), "v", now_);
  PublishResponse response;
  grpc::Status status = Publish(request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "events");
  kaiku::v1::VisitorProfile profile;
  EXPECT_EQ(Get("v", &profile).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(IngestIntegrationTest, RetriedBatchIsCountedOnce) {
  Start();
  PublishRequest request;
  for (int i = 0; i < 20; ++i) {
    *request.add_events() =
        PageView(absl::StrCat("e", i), "v", now_ + absl::Seconds(i));
  }
  PublishResponse first, second;
  ASSERT_TRUE(Publish(request, &first).ok());
  EXPECT_EQ(first.accepted_count(), 20);
  ASSERT_TRUE(Publish(request, &second).ok());
  EXPECT_EQ(second.accepted_count(), 0);
  EXPECT_EQ(second.duplicate_count(), 20);
  kaiku::v1::VisitorProfile profile;
  ASSERT_TRUE(Get("v", &profile).ok());
  EXPECT_EQ(profile.event_count(), 20);
}

TEST_F(IngestIntegrationTest, PublishStreamOfTenThousandEventsAckedInOrder) {
  Start();
  grpc::ClientContext context;
  auto stream = ingest_->PublishStream(&context);
  constexpr int kRequests = 100, kPerRequest = 100, kVisitors = 50;
  std::thread writer([&] {
    for (int r = 0; r < kRequests; ++r) {
      PublishRequest request;
      request.set_sequence(r + 1);
      for (int i = 0; i < kPerRequest; ++i) {
        int n = r * kPerRequest + i;
        *request.add_events() =
            PageView(absl::StrCat("e", n), absl::StrCat("v", n % kVisitors),
                     now_ - absl::Seconds(n));
      }
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  PublishResponse response;
  uint64_t expected = 1;
  int accepted = 0;
  while (stream->Read(&response)) {
    EXPECT_EQ(response.sequence(), expected++);
    EXPECT_EQ(response.status().code(), 0) << response.status().message();
    accepted += response.accepted_count();
  }
  writer.join();
  ASSERT_TRUE(stream->Finish().ok());
  EXPECT_EQ(expected, kRequests + 1u);
  EXPECT_EQ(accepted, kRequests * kPerRequest);
  int64_t total = 0;
  for (int v = 0; v < kVisitors; ++v) {
    kaiku::v1::VisitorProfile profile;
    ASSERT_TRUE(Get(absl::StrCat("v", v), &profile).ok());
    total += profile.event_count();
  }
  EXPECT_EQ(total, kRequests * kPerRequest);
}

TEST_F(IngestIntegrationTest, RestartKeepsTimelineInEventTimeOrderAndDedupe) {
  Start();
  PublishRequest request;
  for (int i : {3, 1, 4, 0, 2}) {
    *request.add_events() =
        PageView(absl::StrCat("e", i), "v", now_ - absl::Minutes(10 - i));
  }
  PublishResponse response;
  ASSERT_TRUE(Publish(request, &response).ok());
  EXPECT_EQ(server_->Terminate(), 0);
  Start();
  kaiku::v1::VisitorProfile profile;
  ASSERT_TRUE(Get("v", &profile).ok());
  ASSERT_EQ(profile.timeline_size(), 5);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(profile.timeline(i).event_id(), absl::StrCat("e", i));
  PublishResponse again;
  ASSERT_TRUE(Publish(request, &again).ok());
  EXPECT_EQ(again.duplicate_count(), 5);
}

TEST_F(IngestIntegrationTest, AuthStatusesAndTenantIsolation) {
  std::string keys = dir_.Sub("keys");
  {
    std::ofstream out(keys);
    out << auth::HashApiKey("acme-ingest") << " acme ingest\n"
        << auth::HashApiKey("acme-read") << " acme subscribe\n"
        << auth::HashApiKey("globex-all") << " globex ingest,subscribe,admin\n";
  }
  Start({"--keys_file=" + keys});
  PublishRequest request;
  *request.add_events() = PageView("e1", "v", now_);
  PublishResponse response;
  EXPECT_EQ(Publish(request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Publish(request, &response, "wrong").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Publish(request, &response, "acme-read").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Publish(request, &response, "acme-ingest").ok());
  EXPECT_EQ(response.accepted_count(), 1);

  kaiku::v1::VisitorProfile profile;
  EXPECT_EQ(Get("v", &profile, "acme-ingest").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Get("v", &profile, "acme-read").ok());
  EXPECT_EQ(profile.event_count(), 1);
  // Another tenant sees nothing of acme's, and the same event id is new for it.
  EXPECT_EQ(Get("v", &profile, "globex-all").error_code(),
            grpc::StatusCode::NOT_FOUND);
  PublishResponse globex;
  ASSERT_TRUE(Publish(request, &globex, "globex-all").ok());
  EXPECT_EQ(globex.accepted_count(), 1);

  // A stream without a key is refused at once.
  grpc::ClientContext context;
  auto stream = ingest_->PublishStream(&context);
  stream->WritesDone();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(IngestIntegrationTest, ForgetVisitorErasesTimeline) {
  Start();
  PublishRequest request;
  *request.add_events() = PageView("e1", "v", now_);
  *request.add_events() = PageView("e2", "v", now_);
  PublishResponse response;
  ASSERT_TRUE(Publish(request, &response).ok());
  auto privacy = kaiku::v1::Privacy::NewStub(server_->channel());
  grpc::ClientContext context;
  kaiku::v1::ForgetVisitorRequest forget;
  forget.set_visitor_id("v");
  kaiku::v1::ForgetVisitorResponse forgotten;
  ASSERT_TRUE(privacy->ForgetVisitor(&context, forget, &forgotten).ok());
  EXPECT_EQ(forgotten.events_erased(), 2);
  kaiku::v1::VisitorProfile profile;
  EXPECT_EQ(Get("v", &profile).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(IngestIntegrationTest, KaikuctlPublishAndGet) {
  Start();
  std::string t =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", now_, absl::UTCTimeZone());
  std::string t2 = absl::FormatTime(
      "%Y-%m-%dT%H:%M:%SZ", now_ - absl::Minutes(5), absl::UTCTimeZone());
  std::string input = absl::StrCat(
      R"({"eventId":"a","visitorId":"cli","occurredAt":")", t,
      R"(","pageView":{"url":"https://x.example/pricing"}})", "\n",
      R"({"eventId":"b","visitorId":"cli","occurredAt":")", t,
      R"(","download":{"url":"/b.pdf"}})", "\n",
      R"({"eventId":"c","visitorId":"cli","occurredAt":")", t2,
      R"(","chat":{"intent":"CHAT_INTENT_BUY"}})", "\n", "this is not json\n");
  const std::string addr = "--addr=" + server_->address();
  auto result = kaiku::testing::RunCommand(
      {kaiku::testing::KaikuctlPath(), "publish", addr}, input);
  EXPECT_EQ(result.exit_code, 1);  // one event rejected, one line unparsable
  std::vector<std::string> lines =
      absl::StrSplit(result.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u) << result.out;
  std::string joined = result.out;
  EXPECT_THAT(joined,
              HasSubstr(R"("eventId":"a","outcome":"OUTCOME_ACCEPTED")"));
  EXPECT_THAT(joined, HasSubstr(R"("field":"events[1].download.asset_kind")"));
  EXPECT_THAT(joined,
              HasSubstr(R"("eventId":"c","outcome":"OUTCOME_ACCEPTED")"));
  EXPECT_THAT(joined, HasSubstr(R"("field":"events[3]")"));

  auto get = kaiku::testing::RunCommand(
      {kaiku::testing::KaikuctlPath(), "get", "cli", addr}, "");
  EXPECT_EQ(get.exit_code, 0);
  kaiku::v1::VisitorProfile profile;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(get.out, &profile).ok())
      << get.out;
  ASSERT_EQ(profile.timeline_size(), 2);
  EXPECT_EQ(profile.timeline(0).event_id(), "c");  // event-time order
  EXPECT_EQ(profile.timeline(1).event_id(), "a");

  auto missing = kaiku::testing::RunCommand(
      {kaiku::testing::KaikuctlPath(), "get", "nobody", addr}, "");
  EXPECT_EQ(missing.exit_code, 1);
}

TEST_F(IngestIntegrationTest, HealthCheckIsServing) {
  Start();
  auto stub = grpc::health::v1::Health::NewStub(server_->channel());
  for (const std::string& service :
       {std::string(), std::string("kaiku.v1.Ingest")}) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING)
        << service;
  }
}

}  // namespace
}  // namespace kaiku
