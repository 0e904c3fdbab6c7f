// How one synthetic visitor behaves, after the brief (SPEC §1): the kinds of
// visitors, their sessions and the events of each step. Shared by the
// load generator's streams (clickstream.h, live_clickstream.h), which decide
// when visitors arrive and come back.
//
// Kinds: information seekers (one to three blog or docs pages, short dwell,
// rarely back), researchers (product, comparison and case-study pages over
// several sessions days apart), buyers (product pages, the price list on
// repeated visits, a brochure, a chat asking to buy, a quote form), and bots
// (bursts of page views a second apart, no dwell). Page views carry realistic
// URLs, titles and referrers; dwell is sent as Engagement events.
//
// Thread safety: none; a VisitorScripts draws from its stream's generator.
#ifndef KAIKU_LIB_LOADGEN_VISITOR_SCRIPT_H_
#define KAIKU_LIB_LOADGEN_VISITOR_SCRIPT_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kaiku/v1/event.pb.h"

namespace kaiku::loadgen {

struct VisitorMix {
  // Prefix of every event id, visitor id and session id, so that separate
  // runs against one server never share ids. Default: "lg".
  std::string run_id = "lg";
  // Site origin of the URLs. Default: https://www.example.com.
  std::string site = "https://www.example.com";
  // Shares of the kinds; the rest are information seekers. Defaults: the
  // brief's 10 % buyers and 10 % researchers, and 2 % bots.
  double buyer_share = 0.10;
  double researcher_share = 0.10;
  double bot_share = 0.02;
  // Sites (tenants) the visitors are spread over, with Zipf-skewed traffic:
  // site i gets a share proportional to 1 / (i + 1)^tenant_skew. Default: one.
  int tenants = 1;
  double tenant_skew = 1.0;
};

// Each site's share of the traffic (sums to 1), by VisitorMix::tenants and
// tenant_skew.
std::vector<double> TenantShares(const VisitorMix& mix);

enum class VisitorKind : uint8_t {
  kInformationSeeker,
  kResearcher,
  kBuyer,
  kBot
};

// Where one visitor is in its script. 24 bytes.
struct ScriptedVisitor {
  int64_t ordinal = 0;      // visitor id number; 0: no visitor
  uint32_t session_id = 0;  // of the current session
  VisitorKind kind = VisitorKind::kInformationSeeker;
  uint8_t session = 0;   // sessions begun before the current one
  uint8_t sessions = 0;  // sessions it will have
  uint8_t step = 0;      // position in the session's script
  uint8_t steps = 0;     // length of the session's script
  uint8_t page = 0;      // index of the previous step's page in its list
  uint8_t tenant = 0;    // index of its site
  uint16_t dwell = 0;    // seconds on the page of the previous step
  bool seen = false;     // has had an event (for the streams' counts)
};

class VisitorScripts {
 public:
  // `rng` must outlive this.
  VisitorScripts(const VisitorMix& mix, std::mt19937_64* rng);

  // A new visitor numbered `ordinal`: its kind, sessions and site, at the
  // start of its first session.
  ScriptedVisitor NewVisitor(int64_t ordinal);
  // Starts the visitor's next session (call when Emit returned -1 and
  // v.session + 1 < v.sessions).
  void BeginNextSession(ScriptedVisitor& v);
  // Simulated time from the end of a session to the visitor's next one: hours
  // to days.
  int64_t PauseBetweenSessions(const ScriptedVisitor& v);
  // Writes the visitor's next event, at `at` (Unix microseconds), with event
  // id number `event_number`, and returns the simulated time until the one
  // after it, or -1 when the session is over. With a null `event` only the
  // visitor moves on (to fast-forward a stream).
  int64_t Emit(ScriptedVisitor& v, int64_t at, int64_t event_number,
               kaiku::v1::Event* event);

  // The mean number of events in a session of a new visitor.
  double MeanEventsPerSession() const;

  int Uniform(int lo, int hi);
  double Exponential(double mean);

 private:
  void BeginSession(ScriptedVisitor& v);
  void PageView(const ScriptedVisitor& v, const char* path, const char* title,
                kaiku::v1::Event* event);

  const VisitorMix mix_;
  std::mt19937_64* const rng_;
  // Cumulative traffic shares of the sites.
  std::vector<double> tenant_cdf_;
};

}  // namespace kaiku::loadgen

#endif  // KAIKU_LIB_LOADGEN_VISITOR_SCRIPT_H_
