#include "lib/loadgen/live_clickstream.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"
#include "lib/events/validation.h"

namespace kaiku::loadgen {
namespace {

using ::kaiku::v1::Event;

constexpr int64_t kSecond = 1000000;
constexpr int64_t kStart = int64_t{1700000000} * kSecond;

int64_t Micros(const Event& e) {
  return e.occurred_at().seconds() * kSecond + e.occurred_at().nanos() / 1000;
}

LiveClickstreamOptions At(double rate) {
  LiveClickstreamOptions o;
  o.events_per_second = rate;
  o.start_micros = kStart;
  o.mix.run_id = "test";
  return o;
}

struct Sent {
  int64_t send_micros;
  int tenant;
  Event event;
};

// Everything sent in the first `seconds` after the start.
std::vector<Sent> SendFor(LiveClickstream& stream, double seconds) {
  std::vector<Sent> sent;
  const int64_t end = kStart + static_cast<int64_t>(seconds * kSecond);
  while (stream.Peek().send_micros < end) {
    Sent& s = sent.emplace_back();
    s.send_micros = stream.Peek().send_micros;
    s.tenant = stream.Peek().tenant;
    stream.Take(&s.event);
  }
  return sent;
}

// Event time is real time: sent in order of sending, an event is sent at its
// moment (or later, when late), from the start on, at the asked rate from the
// first second (the stream starts warm, mid-day).
TEST(LiveClickstreamTest, SendsEachEventAtItsMomentAtTheAskedRate) {
  LiveClickstream stream(At(500));
  const std::vector<Sent> sent = SendFor(stream, 600);
  int64_t last = 0;
  int late = 0, late_after_warm_up = 0, after_warm_up = 0;
  int first_minute = 0;
  absl::flat_hash_set<std::string> ids;
  for (const Sent& s : sent) {
    ASSERT_GE(s.send_micros, kStart);
    ASSERT_GE(s.send_micros, last);
    last = s.send_micros;
    ASSERT_LE(Micros(s.event), s.send_micros);
    late += Micros(s.event) < s.send_micros;
    // Late events from before the start are not sent: their share grows to
    // 1 % over a few mean delays.
    if (s.send_micros >= kStart + 360 * kSecond) {
      ++after_warm_up;
      late_after_warm_up += Micros(s.event) < s.send_micros;
    }
    first_minute += s.send_micros < kStart + 60 * kSecond;
    ASSERT_TRUE(ids.insert(s.event.event_id()).second) << s.event.event_id();
  }
  EXPECT_NEAR(sent.size() / 600.0, 500, 50);
  EXPECT_NEAR(first_minute / 60.0, 500, 75);
  EXPECT_NEAR(late_after_warm_up / static_cast<double>(after_warm_up), 0.01,
              0.003);
  EXPECT_EQ(stream.late_events(), late);
  EXPECT_EQ(stream.events(), static_cast<int64_t>(sent.size()));
  // About rate x the mean time between a visitor's events are in a session
  // (tens of seconds): tens of thousands here, millions at 100,000/s.
  EXPECT_GT(stream.in_session(), 500 * 20);
  EXPECT_LT(stream.in_session(), 500 * 200);
}

// Late events arrive after later events of their visitor, at human pace
// otherwise: a visitor's events are seconds to minutes apart.
TEST(LiveClickstreamTest, LateEventsComeAfterLaterOnesOfTheirVisitor) {
  LiveClickstream stream(At(1000));
  absl::flat_hash_map<std::string, int64_t> last_time;
  int out_of_order = 0, in_order = 0, fast = 0;
  for (const Sent& s : SendFor(stream, 300)) {
    auto [it, first] = last_time.emplace(s.event.visitor_id(), Micros(s.event));
    if (first) continue;
    if (Micros(s.event) < it->second) {
      ++out_of_order;
      continue;
    }
    ++in_order;
    fast += Micros(s.event) - it->second < kSecond;
    it->second = Micros(s.event);
  }
  EXPECT_GT(out_of_order, 0.004 * in_order);
  EXPECT_EQ(fast, 0);
}

TEST(LiveClickstreamTest, EveryEventIsValid) {
  LiveClickstream stream(At(500));
  events::ValidationOptions options;
  for (const Sent& s : SendFor(stream, 120)) {
    const std::vector<events::FieldViolation> violations =
        events::ValidateEvent(s.event, absl::FromUnixMicros(s.send_micros),
                              options);
    ASSERT_TRUE(violations.empty())
        << s.event.DebugString() << violations.front().field << ": "
        << violations.front().description;
  }
}

// Sites get skewed shares: with four and skew 1, 1 : 1/2 : 1/3 : 1/4.
TEST(LiveClickstreamTest, SpreadsVisitorsOverSkewedSites) {
  LiveClickstreamOptions o = At(1000);
  o.mix.tenants = 4;
  LiveClickstream stream(o);
  std::vector<int> per_site(4);
  absl::flat_hash_map<std::string, int> site_of;
  const std::vector<Sent> sent = SendFor(stream, 200);
  for (const Sent& s : sent) {
    ASSERT_GE(s.tenant, 0);
    ASSERT_LT(s.tenant, 4);
    ++per_site[static_cast<size_t>(s.tenant)];
    auto [it, first] = site_of.emplace(s.event.visitor_id(), s.tenant);
    ASSERT_EQ(it->second, s.tenant) << "a visitor stays on its site";
  }
  const double n = static_cast<double>(sent.size());
  EXPECT_NEAR(per_site[0] / n, 0.48, 0.04);
  EXPECT_NEAR(per_site[3] / n, 0.12, 0.03);
}

// Over days, visitors come back for more sessions (hours to days later);
// those that would come back after the end are not kept.
TEST(LiveClickstreamTest, VisitorsComeBackOnLaterDays) {
  LiveClickstreamOptions o = At(5);
  LiveClickstream stream(o);
  absl::flat_hash_map<std::string, absl::flat_hash_set<std::string>> sessions;
  for (const Sent& s : SendFor(stream, 2 * 86400))
    sessions[s.event.visitor_id()].insert(s.event.session_id());
  int returning = 0;
  for (const auto& [visitor, ids] : sessions) returning += ids.size() > 1;
  EXPECT_GT(stream.returning_sessions(), 2000);
  EXPECT_GT(returning / static_cast<double>(sessions.size()), 0.1);
  EXPECT_EQ(stream.visitors_seen(), static_cast<int64_t>(sessions.size()));
}

TEST(LiveClickstreamTest, SameSeedSameStream) {
  LiveClickstream a(At(1000)), b(At(1000));
  LiveClickstreamOptions other = At(1000);
  other.seed = 2;
  LiveClickstream c(other);
  const std::vector<Sent> sa = SendFor(a, 30), sb = SendFor(b, 30),
                          sc = SendFor(c, 30);
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    ASSERT_EQ(sa[i].send_micros, sb[i].send_micros);
    ASSERT_EQ(sa[i].event.SerializeAsString(), sb[i].event.SerializeAsString());
  }
  EXPECT_NE(sa.size() == sc.size() &&
                sa.back().event.visitor_id() == sc.back().event.visitor_id(),
            true);
}

}  // namespace
}  // namespace kaiku::loadgen
