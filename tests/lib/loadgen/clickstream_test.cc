#include "lib/loadgen/clickstream.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/events/validation.h"

namespace kaiku::loadgen {
namespace {

using ::kaiku::v1::Event;

int64_t Micros(const Event& e) {
  return e.occurred_at().seconds() * 1000000 + e.occurred_at().nanos() / 1000;
}

ClickstreamOptions Small() {
  ClickstreamOptions o;
  o.visitors = 2000;
  o.start_micros = int64_t{1700000000} * 1000000;
  o.mix.run_id = "test";
  return o;
}

TEST(ClickstreamTest, EventsAreInTimeOrderWithUniqueIds) {
  SyntheticClickstream stream(Small());
  absl::flat_hash_set<std::string> ids;
  Event e;
  int64_t last = 0;
  for (int i = 0; i < 50000; ++i) {
    stream.Next(&e);
    ASSERT_GE(Micros(e), last) << i;
    last = Micros(e);
    ASSERT_TRUE(ids.insert(e.event_id()).second) << e.event_id();
  }
  EXPECT_EQ(stream.events(), 50000);
}

TEST(ClickstreamTest, EveryEventIsValid) {
  SyntheticClickstream stream(Small());
  events::ValidationOptions options;
  Event e;
  for (int i = 0; i < 20000; ++i) {
    stream.Next(&e);
    // Validated against a "now" at the event, so only content is judged.
    const std::vector<events::FieldViolation> violations =
        events::ValidateEvent(e, absl::FromUnixMicros(Micros(e)), options);
    ASSERT_TRUE(violations.empty())
        << e.DebugString() << violations.front().field << ": "
        << violations.front().description;
  }
}

TEST(ClickstreamTest, SameSeedSameStreamOtherSeedOtherStream) {
  SyntheticClickstream a(Small()), b(Small());
  ClickstreamOptions other = Small();
  other.seed = 2;
  SyntheticClickstream c(other);
  Event ea, eb, ec;
  int differ = 0;
  for (int i = 0; i < 1000; ++i) {
    a.Next(&ea);
    b.Next(&eb);
    c.Next(&ec);
    ASSERT_EQ(ea.SerializeAsString(), eb.SerializeAsString());
    differ += ea.visitor_id() != ec.visitor_id();
  }
  EXPECT_GT(differ, 500);
}

// The brief's mix: about 80 % information seekers; buyers read the price list
// and ask to buy; visitors come back on later days; bots click a second apart.
TEST(ClickstreamTest, FollowsTheBrief) {
  ClickstreamOptions o = Small();
  o.visitors = 5000;
  SyntheticClickstream stream(o);
  absl::flat_hash_map<std::string, std::vector<Event>> by_visitor;
  Event e;
  for (int i = 0; i < 400000; ++i) {
    stream.Next(&e);
    by_visitor[e.visitor_id()].push_back(e);
  }
  int buyers = 0, revisiting = 0, readers_only = 0, bots = 0;
  for (const auto& [visitor, events] : by_visitor) {
    bool price_list = false, chat = false, reads_only = true;
    absl::flat_hash_set<std::string> sessions;
    int fast_clicks = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      const Event& ev = events[i];
      sessions.insert(ev.session_id());
      price_list |= ev.has_price_list_view();
      chat |= ev.has_chat();
      if (ev.has_page_view() &&
          ev.page_view().url().find("/blog/") == std::string::npos &&
          ev.page_view().url().find("/docs/") == std::string::npos &&
          ev.page_view().url().find("/careers/") == std::string::npos &&
          ev.page_view().url().find("/support/") == std::string::npos)
        reads_only = false;
      if (!ev.has_page_view() && !ev.has_engagement()) reads_only = false;
      if (i > 0 && Micros(ev) - Micros(events[i - 1]) <= 2000000) ++fast_clicks;
    }
    buyers += price_list && chat;
    revisiting += sessions.size() > 1;
    bots += fast_clicks >= 15;
    readers_only += reads_only && fast_clicks < 15;
  }
  const double n = static_cast<double>(by_visitor.size());
  EXPECT_EQ(stream.visitors_seen(), static_cast<int64_t>(by_visitor.size()));
  EXPECT_GT(n, 5000);  // finished visitors were replaced
  EXPECT_NEAR(readers_only / n, 0.78, 0.06);
  EXPECT_NEAR(bots / n, 0.02, 0.01);
  EXPECT_GT(buyers / n, 0.03);  // the rest have not reached their last visit
  EXPECT_GT(revisiting / n, 0.25);
  // Sessions span days of simulated time.
  EXPECT_GT(Micros(e) - o.start_micros, int64_t{2} * 86400 * 1000000);
}

}  // namespace
}  // namespace kaiku::loadgen
