// kaiku_demo_events: prints a small, realistic clickstream as kaiku.v1.Event
// JSON lines, for the README's demo. Visitors follow the brief's three kinds:
// ~80% information seekers (blog and docs, short visits), ~10% researchers
// (product and comparison pages over several sessions), ~10% buyers (pricing,
// price list views, downloads, chat, a quote form). Event times lie in the
// --hours before now, in time order; --seed makes the output repeatable apart
// from the base time.
#include <algorithm>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "kaiku/v1/event.pb.h"

ABSL_FLAG(int, visitors, 50, "Number of visitors.");
ABSL_FLAG(int, hours, 6, "Events lie within this many hours before now.");
ABSL_FLAG(uint32_t, seed, 1, "Random seed.");
ABSL_FLAG(std::string, run_id, "demo",
          "Prefix of every event_id, so that separate runs never share ids.");
ABSL_FLAG(std::string, site, "https://shop.example",
          "Site origin of the URLs.");

namespace {

using kaiku::v1::Event;

struct Generator {
  std::mt19937 rng;
  std::string site;
  std::string run_id;
  int next_id = 0;

  int Uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  }

  Event Base(const std::string& visitor, absl::Time t) {
    Event e;
    e.set_event_id(absl::StrCat(run_id, "-", visitor, "-", next_id++));
    e.set_visitor_id(visitor);
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(t));
    return e;
  }
  Event Page(const std::string& visitor, absl::Time t, const std::string& path,
             const std::string& title) {
    Event e = Base(visitor, t);
    e.mutable_page_view()->set_url(site + path);
    e.mutable_page_view()->set_title(title);
    return e;
  }
  Event Engaged(const std::string& visitor, absl::Time t,
                const std::string& path, int secs) {
    Event e = Base(visitor, t);
    e.mutable_engagement()->set_url(site + path);
    e.mutable_engagement()->mutable_engaged_time()->set_seconds(secs);
    return e;
  }
};

void InformationSeeker(Generator& g, const std::string& v, absl::Time t,
                       std::vector<Event>* out) {
  const char* posts[] = {"/blog/how-to-choose", "/blog/industry-trends",
                         "/docs/getting-started", "/blog/10-tips"};
  int pages = g.Uniform(1, 3);
  for (int i = 0; i < pages; ++i) {
    std::string path = posts[g.Uniform(0, 3)];
    out->push_back(g.Page(v, t, path, "Blog"));
    int dwell = g.Uniform(10, 90);
    out->push_back(g.Engaged(v, t + absl::Seconds(dwell), path, dwell));
    t += absl::Seconds(dwell + g.Uniform(5, 30));
  }
}

void Researcher(Generator& g, const std::string& v, absl::Time t,
                std::vector<Event>* out) {
  for (int session = 0; session < 3; ++session) {
    for (const char* path :
         {"/products/pro-x", "/compare/pro-x-vs-lite", "/case-studies/acme"}) {
      out->push_back(g.Page(v, t, path, "Product"));
      int dwell = g.Uniform(60, 240);
      out->push_back(g.Engaged(v, t + absl::Seconds(dwell), path, dwell));
      t += absl::Seconds(dwell + 10);
    }
    t += absl::Minutes(g.Uniform(45, 90));  // a new session
  }
}

void Buyer(Generator& g, const std::string& v, absl::Time t,
           std::vector<Event>* out) {
  out->push_back(g.Page(v, t, "/products/pro-x", "Pro X"));
  t += absl::Minutes(2);
  for (int i = 0; i < 3; ++i) {  // the price list, three times today
    Event e = g.Base(v, t);
    e.mutable_price_list_view()->set_url(g.site + "/pricing");
    e.mutable_price_list_view()->set_price_list_id("2026");
    out->push_back(e);
    t += absl::Minutes(g.Uniform(20, 50));
  }
  Event download = g.Base(v, t);
  download.mutable_download()->set_url(g.site + "/files/pro-x-brochure.pdf");
  download.mutable_download()->set_asset_kind(kaiku::v1::ASSET_KIND_BROCHURE);
  out->push_back(download);
  Event chat = g.Base(v, t + absl::Minutes(1));
  chat.mutable_chat()->set_intent(kaiku::v1::CHAT_INTENT_BUY);
  out->push_back(chat);
  Event form = g.Base(v, t + absl::Minutes(4));
  form.mutable_form_submit()->set_form_kind(kaiku::v1::FORM_KIND_QUOTE);
  out->push_back(form);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  Generator g{std::mt19937(absl::GetFlag(FLAGS_seed)),
              absl::GetFlag(FLAGS_site), absl::GetFlag(FLAGS_run_id)};
  const int hours = std::max(absl::GetFlag(FLAGS_hours), 5);
  const absl::Time end = absl::Now() - absl::Minutes(1);
  const absl::Time start = end - absl::Hours(hours);
  std::vector<Event> events;
  for (int i = 0; i < absl::GetFlag(FLAGS_visitors); ++i) {
    std::string visitor = absl::StrCat("visitor-", i);
    // Leave room for the longest journey (a researcher's three sessions).
    absl::Time t = start + absl::Seconds(g.Uniform(0, (hours - 5) * 3600));
    int kind = g.Uniform(0, 9);
    if (kind == 0) {
      Buyer(g, visitor, t, &events);
    } else if (kind == 1) {
      Researcher(g, visitor, t, &events);
    } else {
      InformationSeeker(g, visitor, t, &events);
    }
  }
  std::stable_sort(
      events.begin(), events.end(), [](const Event& a, const Event& b) {
        return a.occurred_at().seconds() < b.occurred_at().seconds();
      });
  for (const Event& e : events) {
    if (absl::FromUnixSeconds(e.occurred_at().seconds()) > end) continue;
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(e, &json);
    std::cout << json << "\n";
  }
  return 0;
}
