// kill -9 of kaikud at random moments, many times, while clients stream
// events (with retries of what was not acknowledged, late events, erasures, a
// model reload, and a fast-decaying model so that wake-ups fall due), a
// subscriber follows the score stream. After every kill: every acknowledged
// event is stored, every score event a subscriber was sent is still in the log
// under the same number with the same content (none lost, none reused), and
// kaiku_check finds the store exact.
#include <fcntl.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "kaiku/v1/admin.grpc.pb.h"
#include "kaiku/v1/ingest.grpc.pb.h"
#include "kaiku/v1/privacy.grpc.pb.h"
#include "kaiku/v1/scores.grpc.pb.h"
#include "lib/scoring/model_loader.h"
#include "lib/storage/store.h"
#include "re2/re2.h"
#include "tests/testing/events.h"
#include "tests/testing/kaikud_process.h"
#include "tests/testing/temp_dir.h"

namespace kaiku {
namespace {

using ::kaiku::testing::KaikudProcess;
using ::kaiku::v1::Event;

constexpr int kKills = 50;
constexpr int kClients = 3;
constexpr int kVisitors = 40;
constexpr int kPerRequest = 10;
// The cycle whose start reloads the second model.
constexpr int kReloadAt = kKills / 2;

// The default model, decaying in seconds instead of days, so that levels
// change by decay (timer wake-ups) within the test.
std::string FastModel(const std::string& version) {
  std::string text(scoring::DefaultModelText());
  RE2::GlobalReplace(&text, R"(half_life \{ seconds: \d+ \})",
                     "half_life { seconds: 30 }");
  RE2::GlobalReplace(&text, R"(min_time_in_level \{ seconds: \d+ \})",
                     "min_time_in_level { seconds: 2 }");
  RE2::GlobalReplace(&text, R"(cooldown \{ seconds: \d+ \})",
                     "cooldown { seconds: 3 }");
  RE2::GlobalReplace(&text, R"(version: "[^"]*")",
                     absl::StrCat("version: \"", version, "\""));
  return text;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path + ".tmp", std::ios::trunc) << text;
  std::rename((path + ".tmp").c_str(), path.c_str());
}

// What a subscriber was sent, by score-event id.
struct Sent {
  std::string visitor;
  std::string kind;
  int64_t occurred_at = 0;
  bool operator==(const Sent&) const = default;
};

class CrashExactnessTest : public ::testing::TestWithParam<std::string> {
 protected:
  // One client: streams requests until the stream breaks (the kill), first
  // retrying what was not acknowledged before. Records what was acked.
  void Client(int client, const std::shared_ptr<grpc::Channel>& channel,
              std::mt19937& rng) {
    auto stub = kaiku::v1::Ingest::NewStub(channel);
    grpc::ClientContext context;
    auto stream = stub->PublishStream(&context);
    std::map<uint64_t, std::vector<Event>> in_flight;
    std::mutex mu;
    std::vector<std::vector<Event>> to_send;
    {
      std::lock_guard<std::mutex> lock(mu_);
      to_send.swap(unacked_[client]);
    }
    std::thread reader([&] {
      kaiku::v1::PublishResponse response;
      while (stream->Read(&response)) {
        std::lock_guard<std::mutex> lock(mu);
        auto it = in_flight.find(response.sequence());
        if (it == in_flight.end()) continue;
        if (response.status().code() == 0) {
          std::lock_guard<std::mutex> acked_lock(mu_);
          for (const auto& result : response.results()) {
            const Event& e = it->second.at(result.index());
            if (result.outcome() == kaiku::v1::OUTCOME_REJECTED) {
              ADD_FAILURE() << "rejected: " << result.DebugString();
            } else {
              acked_.emplace(e.visitor_id(), e.event_id());
            }
          }
        } else {
          std::lock_guard<std::mutex> unacked_lock(mu_);
          unacked_[client].push_back(it->second);
        }
        in_flight.erase(it);
      }
    });
    uint64_t sequence = 0;
    for (int r = 0; r < 10000; ++r) {
      std::vector<Event> events;
      if (!to_send.empty()) {
        events = std::move(to_send.back());
        to_send.pop_back();
      } else {
        const absl::Time now = absl::Now();
        for (int i = 0; i < kPerRequest; ++i) {
          const std::string visitor = absl::StrCat(
              "v", std::uniform_int_distribution<>(0, kVisitors - 1)(rng));
          // About one event in ten is late (sent minutes after it happened).
          const absl::Duration age = rng() % 10 == 0
                                         ? absl::Minutes(rng() % 30 + 1)
                                         : absl::Milliseconds(rng() % 500);
          const std::string id =
              absl::StrCat("c", client, "-", next_id_.fetch_add(1));
          Event e = kaiku::testing::PageView(
              id, visitor, now - age, "https://shop.example/products/boat");
          switch (rng() % 8) {
            case 0:
            case 1:
              e.mutable_price_list_view()->set_url(
                  "https://shop.example/pricing");
              e.mutable_price_list_view()->set_price_list_id("main");
              break;
            case 2:
              e.mutable_chat()->set_intent(kaiku::v1::CHAT_INTENT_BUY);
              break;
            case 3:
              e.mutable_download()->set_url("https://shop.example/a.pdf");
              e.mutable_download()->set_asset_kind(
                  kaiku::v1::ASSET_KIND_PRICE_LIST);
              break;
          }
          events.push_back(std::move(e));
        }
      }
      kaiku::v1::PublishRequest request;
      request.set_sequence(++sequence);
      for (const Event& e : events) *request.add_events() = e;
      {
        std::lock_guard<std::mutex> lock(mu);
        in_flight[sequence] = events;
      }
      if (!stream->Write(request)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    stream->WritesDone();
    reader.join();
    (void)stream->Finish();
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [seq, events] : in_flight)
      unacked_[client].push_back(std::move(events));
  }

  // Follows the stream from the earliest entry until it ends (the kill).
  void Subscriber(const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = kaiku::v1::Scores::NewStub(channel);
    grpc::ClientContext context;
    kaiku::v1::SubscribeRequest request;
    request.set_from_earliest(true);
    auto reader = stub->Subscribe(&context, request);
    kaiku::v1::ScoreEvent e;
    while (reader->Read(&e)) {
      if (e.id().empty()) continue;  // a heartbeat
      Sent sent{e.visitor_id(), kaiku::v1::ScoreEventKind_Name(e.kind()),
                google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                    e.occurred_at())};
      std::lock_guard<std::mutex> lock(mu_);
      auto [it, added] = sent_.emplace(std::stoull(e.id()), sent);
      if (!added && !(it->second == sent) &&
          !erased_.contains(it->second.visitor)) {
        ADD_FAILURE() << "score event " << e.id() << " reused: was "
                      << it->second.visitor << " " << it->second.kind
                      << ", now " << sent.visitor << " " << sent.kind;
      }
    }
  }

  // After a kill, with no kaikud running.
  void Verify(int kill) {
    SCOPED_TRACE(absl::StrCat("after kill ", kill));
    storage::StoreOptions options;
    options.path = data_ + "/db";
    options.read_only = true;
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    std::lock_guard<std::mutex> lock(mu_);
    std::set<std::pair<std::string, std::string>> stored;
    for (int v = 0; v < kVisitors; ++v) {
      const std::string visitor = absl::StrCat("v", v);
      std::optional<storage::TimelinePosition> after;
      do {
        auto page = (*store)->ReadTimeline("default", visitor,
                                           after ? &*after : nullptr, 1000);
        ASSERT_TRUE(page.ok()) << page.status();
        for (const Event& e : page->events)
          stored.emplace(e.visitor_id(), e.event_id());
        after = page->next;
      } while (after.has_value());
    }
    size_t missing = 0;
    for (const auto& id : acked_) {
      if (!erased_.contains(id.first) && !stored.contains(id)) ++missing;
    }
    EXPECT_EQ(missing, 0u) << "of " << acked_.size() << " acknowledged events";

    auto log = (*store)->ReadScoreLogWithErased("default", 0, 1000000);
    ASSERT_TRUE(log.ok()) << log.status();
    std::map<uint64_t, const storage::ScoreLogEntry*> by_sequence;
    for (const auto& entry : *log) by_sequence[entry.sequence] = &entry;
    size_t lost = 0, changed = 0;
    for (const auto& [sequence, sent] : sent_) {
      auto it = by_sequence.find(sequence);
      if (it == by_sequence.end()) {
        ++lost;
        continue;
      }
      const storage::ScoreLogEntry& entry = *it->second;
      if (entry.erased) {
        if (!erased_.contains(sent.visitor)) ++changed;
        continue;
      }
      const Sent now{entry.event.visitor_id(),
                     kaiku::v1::ScoreEventKind_Name(entry.event.kind()),
                     google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                         entry.event.occurred_at())};
      if (!(now == sent)) ++changed;
    }
    EXPECT_EQ(lost, 0u) << "score events sent to a subscriber are gone";
    EXPECT_EQ(changed, 0u) << "score-event numbers were reused";
    store->reset();

    std::vector<std::string> argv = {
        KAIKU_CHECK_PATH, "--store=" + data_ + "/db",
        "--model=" + dir_.Sub("model-1.textproto") + "," +
            dir_.Sub("model-2.textproto")};
    auto check = kaiku::testing::RunCommand(argv, "");
    EXPECT_EQ(check.exit_code, 0) << check.out;
  }

  kaiku::testing::TempDir dir_;
  const std::string data_ = dir_.Sub("data");
  std::atomic<int64_t> next_id_{0};
  std::mutex mu_;
  std::set<std::pair<std::string, std::string>> acked_;
  std::map<int, std::vector<std::vector<Event>>> unacked_;
  std::map<uint64_t, Sent> sent_;
  std::set<std::string> erased_;
};

TEST_P(CrashExactnessTest, EveryRestartIsExact) {
  const std::string model = dir_.Sub("model.textproto");
  WriteFile(dir_.Sub("model-1.textproto"), FastModel("crash-fast-1"));
  WriteFile(dir_.Sub("model-2.textproto"), FastModel("crash-fast-2"));
  WriteFile(model, FastModel("crash-fast-1"));
  std::mt19937 rng(20261202);
  const absl::Time deadline = absl::Now() + absl::Seconds(140);
  int kills = 0;
  for (; kills < kKills && absl::Now() < deadline; ++kills) {
    auto server = KaikudProcess::Start(
        data_, {"--durability=" + GetParam(), "--model=" + model});
    ASSERT_TRUE(server.ok()) << server.status();
    std::shared_ptr<grpc::Channel> channel = (*server)->channel();
    if (kills == kReloadAt) {
      WriteFile(model, FastModel("crash-fast-2"));
      auto admin = kaiku::v1::Admin::NewStub(channel);
      grpc::ClientContext context;
      kaiku::v1::ReloadModelResponse response;
      ASSERT_TRUE(admin
                      ->ReloadModel(&context, kaiku::v1::ReloadModelRequest(),
                                    &response)
                      .ok());
      ASSERT_EQ(response.model_version(), "crash-fast-2");
    }
    std::vector<std::thread> threads;
    std::vector<std::mt19937> rngs;
    for (int c = 0; c < kClients; ++c) rngs.emplace_back(rng());
    for (int c = 0; c < kClients; ++c) {
      threads.emplace_back([&, c] { Client(c, channel, rngs[c]); });
    }
    threads.emplace_back([&] { Subscriber(channel); });
    if (kills % 5 == 2) {
      // An erasure while the clients stream: its visitor is left out of the
      // acknowledged-events check (events in flight may fall either side).
      const std::string visitor =
          absl::StrCat("v", std::uniform_int_distribution<>(0, 9)(rng));
      {
        std::lock_guard<std::mutex> lock(mu_);
        erased_.insert(visitor);
      }
      auto privacy = kaiku::v1::Privacy::NewStub(channel);
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(10));
      kaiku::v1::ForgetVisitorRequest request;
      request.set_visitor_id(visitor);
      kaiku::v1::ForgetVisitorResponse response;
      (void)privacy->ForgetVisitor(&context, request, &response);
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(50 + static_cast<int>(rng() % 400)));
    (*server)->Kill();
    for (std::thread& t : threads) t.join();
    server->reset();
    Verify(kills);
    if (HasFatalFailure() || HasFailure()) break;
  }
  EXPECT_EQ(kills, kKills) << "the loop ran out of time";
  std::lock_guard<std::mutex> lock(mu_);
  std::cout << kills << " kills: " << acked_.size() << " acknowledged events, "
            << sent_.size() << " score events followed, " << erased_.size()
            << " visitors erased\n";
  EXPECT_GT(acked_.size(), 1000u);
  EXPECT_GT(sent_.size(), 100u);
}

INSTANTIATE_TEST_SUITE_P(Durability, CrashExactnessTest,
                         ::testing::Values("process", "fsync"));

}  // namespace
}  // namespace kaiku
