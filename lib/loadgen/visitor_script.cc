#include "lib/loadgen/visitor_script.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace kaiku::loadgen {
namespace {

using ::kaiku::v1::Event;

constexpr int64_t kSecond = 1000000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;

struct Page {
  const char* path;
  const char* title;
};

// What information seekers read.
constexpr Page kReading[] = {
    {"/blog/how-to-choose-a-heat-pump", "How to choose a heat pump"},
    {"/blog/industry-trends-2026", "Industry trends 2026"},
    {"/blog/10-tips-for-saving-energy", "10 tips for saving energy"},
    {"/docs/getting-started", "Getting started"},
    {"/docs/installation-guide", "Installation guide"},
    {"/blog/what-is-a-cop-value", "What is a COP value?"},
    {"/careers/open-positions", "Open positions"},
    {"/support/faq", "Frequently asked questions"},
};
// What researchers compare.
constexpr Page kResearch[] = {
    {"/products/pro-x", "Pro X air-to-water heat pump"},
    {"/products/lite-200", "Lite 200 air-to-air heat pump"},
    {"/products/ground-15", "Ground 15 geothermal heat pump"},
    {"/compare/pro-x-vs-lite-200", "Pro X or Lite 200?"},
    {"/case-studies/city-of-espoo", "Case study: City of Espoo"},
    {"/case-studies/nordic-dairy", "Case study: Nordic Dairy"},
    {"/docs/technical-specifications", "Technical specifications"},
};
constexpr const char* kReferrers[] = {
    "",
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://www.linkedin.com/",
    "https://duckduckgo.com/",
};

template <typename T, size_t N>
constexpr int Size(const T (&)[N]) {
  return static_cast<int>(N);
}

// A buyer's journey, one script per session: the first is a look around,
// the middle ones return to the price list, the last one asks to buy.
enum class Step : uint8_t {
  kProduct,
  kEngage,
  kPricing,
  kPriceList,
  kBrochure,
  kChat,
  kQuote,
};
constexpr Step kBuyerFirst[] = {Step::kProduct, Step::kEngage, Step::kPricing,
                                Step::kPriceList};
constexpr Step kBuyerMiddle[] = {Step::kPriceList, Step::kProduct,
                                 Step::kEngage, Step::kBrochure};
constexpr Step kBuyerLast[] = {Step::kPriceList, Step::kPriceList, Step::kChat,
                               Step::kQuote};

}  // namespace

std::vector<double> TenantShares(const VisitorMix& mix) {
  std::vector<double> shares;
  double total = 0;
  for (int i = 0; i < std::clamp(mix.tenants, 1, 255); ++i) {
    shares.push_back(std::pow(1.0 / (i + 1), mix.tenant_skew));
    total += shares.back();
  }
  for (double& s : shares) s /= total;
  return shares;
}

VisitorScripts::VisitorScripts(const VisitorMix& mix, std::mt19937_64* rng)
    : mix_(mix), rng_(rng) {
  double sum = 0;
  for (double share : TenantShares(mix_)) {
    sum += share;
    tenant_cdf_.push_back(sum);
  }
}

int VisitorScripts::Uniform(int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(*rng_);
}

double VisitorScripts::Exponential(double mean) {
  return std::exponential_distribution<>(1.0 / mean)(*rng_);
}

ScriptedVisitor VisitorScripts::NewVisitor(int64_t ordinal) {
  ScriptedVisitor v;
  v.ordinal = ordinal;
  const double r = std::uniform_real_distribution<>(0, 1)(*rng_);
  if (r < mix_.bot_share) {
    v.kind = VisitorKind::kBot;
    v.sessions = 1;
  } else if (r < mix_.bot_share + mix_.buyer_share) {
    v.kind = VisitorKind::kBuyer;
    v.sessions = static_cast<uint8_t>(Uniform(3, 4));
  } else if (r < mix_.bot_share + mix_.buyer_share + mix_.researcher_share) {
    v.kind = VisitorKind::kResearcher;
    v.sessions = static_cast<uint8_t>(Uniform(3, 6));
  } else {
    v.kind = VisitorKind::kInformationSeeker;
    v.sessions = Uniform(1, 10) <= 7 ? 1 : 2;
  }
  if (tenant_cdf_.size() > 1) {
    const double t = std::uniform_real_distribution<>(0, 1)(*rng_);
    v.tenant = static_cast<uint8_t>(
        std::lower_bound(tenant_cdf_.begin(), tenant_cdf_.end() - 1, t) -
        tenant_cdf_.begin());
  }
  BeginSession(v);
  return v;
}

void VisitorScripts::BeginNextSession(ScriptedVisitor& v) {
  ++v.session;
  BeginSession(v);
}

void VisitorScripts::BeginSession(ScriptedVisitor& v) {
  v.step = 0;
  v.session_id = static_cast<uint32_t>(Uniform(1, 1 << 30));
  switch (v.kind) {
    case VisitorKind::kInformationSeeker:
      v.steps = static_cast<uint8_t>(2 * Uniform(1, 3));
      break;
    case VisitorKind::kResearcher:
      v.steps = static_cast<uint8_t>(2 * Uniform(3, 5));
      break;
    case VisitorKind::kBuyer:
      v.steps = 4;
      break;
    case VisitorKind::kBot:
      v.steps = static_cast<uint8_t>(Uniform(20, 60));
      break;
  }
}

int64_t VisitorScripts::PauseBetweenSessions(const ScriptedVisitor& v) {
  // Researchers come back within days, buyers sooner, readers later.
  const double mean_days = v.kind == VisitorKind::kBuyer        ? 1.0
                           : v.kind == VisitorKind::kResearcher ? 1.5
                                                                : 3.0;
  return std::max<int64_t>(kHour / 2,
                           static_cast<int64_t>(Exponential(mean_days * kDay)));
}

double VisitorScripts::MeanEventsPerSession() const {
  // The script lengths of BeginSession: 2 * U(1, 3), 2 * U(3, 5), 4 and
  // U(20, 60).
  const double seekers =
      1 - mix_.bot_share - mix_.buyer_share - mix_.researcher_share;
  return std::max(seekers, 0.0) * 4 + mix_.researcher_share * 8 +
         mix_.buyer_share * 4 + mix_.bot_share * 40;
}

void VisitorScripts::PageView(const ScriptedVisitor& v, const char* path,
                              const char* title, Event* event) {
  if (event == nullptr) return;
  kaiku::v1::PageView* page = event->mutable_page_view();
  page->set_url(absl::StrCat(mix_.site, path));
  page->set_title(title);
  if (v.step == 0) {
    page->set_referrer(kReferrers[Uniform(0, Size(kReferrers) - 1)]);
  } else {
    page->set_referrer(mix_.site + "/");
  }
}

int64_t VisitorScripts::Emit(ScriptedVisitor& v, int64_t at,
                             int64_t event_number, Event* event) {
  if (event != nullptr) {
    event->Clear();
    event->set_event_id(absl::StrCat(mix_.run_id, "-", event_number));
    event->set_visitor_id(absl::StrCat(mix_.run_id, "-v", v.ordinal));
    event->set_session_id(absl::StrCat(mix_.run_id, "-s", v.session_id));
    event->mutable_occurred_at()->set_seconds(at / kSecond);
    event->mutable_occurred_at()->set_nanos(static_cast<int32_t>(at % kSecond) *
                                            1000);
  }
  const uint8_t step = v.step++;
  const bool last = v.step >= v.steps;
  int64_t gap = -1;

  // Reading kinds alternate a page view and its dwell (an Engagement).
  const auto read = [&](const Page* pages, int count, int min_dwell,
                        int max_dwell) {
    if (step % 2 == 0) {
      v.page = static_cast<uint8_t>(Uniform(0, count - 1));
      PageView(v, pages[v.page].path, pages[v.page].title, event);
      v.dwell = static_cast<uint16_t>(Uniform(min_dwell, max_dwell));
      gap = v.dwell * kSecond;
    } else {
      if (event != nullptr) {
        kaiku::v1::Engagement* e = event->mutable_engagement();
        e->set_url(absl::StrCat(mix_.site, pages[v.page].path));
        e->mutable_engaged_time()->set_seconds(v.dwell);
      }
      gap = Uniform(5, 30) * kSecond;
    }
  };

  switch (v.kind) {
    case VisitorKind::kInformationSeeker:
      read(kReading, Size(kReading), 10, 90);
      break;
    case VisitorKind::kResearcher:
      read(kResearch, Size(kResearch), 60, 240);
      break;
    case VisitorKind::kBot: {
      const Page& p = step % 2 == 0
                          ? kReading[Uniform(0, Size(kReading) - 1)]
                          : kResearch[Uniform(0, Size(kResearch) - 1)];
      PageView(v, p.path, p.title, event);
      gap = Uniform(1, 2) * kSecond;
      break;
    }
    case VisitorKind::kBuyer: {
      const Step* script = v.session == 0                ? kBuyerFirst
                           : v.session + 1 == v.sessions ? kBuyerLast
                                                         : kBuyerMiddle;
      switch (script[step]) {
        case Step::kProduct:
          PageView(v, kResearch[0].path, kResearch[0].title, event);
          v.dwell = static_cast<uint16_t>(Uniform(60, 300));
          gap = v.dwell * kSecond;
          break;
        case Step::kEngage: {
          if (event != nullptr) {
            kaiku::v1::Engagement* e = event->mutable_engagement();
            e->set_url(absl::StrCat(mix_.site, kResearch[0].path));
            e->mutable_engaged_time()->set_seconds(v.dwell);
          }
          gap = Uniform(5, 20) * kSecond;
          break;
        }
        case Step::kPricing:
          PageView(v, "/pricing", "Pricing", event);
          gap = Uniform(20, 90) * kSecond;
          break;
        case Step::kPriceList: {
          if (event != nullptr) {
            kaiku::v1::PriceListView* p = event->mutable_price_list_view();
            p->set_url(absl::StrCat(mix_.site, "/pricing/price-list-2026"));
            p->set_price_list_id("2026");
          }
          gap = Uniform(60, 600) * kSecond;
          break;
        }
        case Step::kBrochure: {
          if (event != nullptr) {
            kaiku::v1::Download* d = event->mutable_download();
            d->set_url(absl::StrCat(mix_.site, "/files/pro-x-brochure.pdf"));
            d->set_asset_kind(kaiku::v1::ASSET_KIND_BROCHURE);
          }
          gap = Uniform(10, 60) * kSecond;
          break;
        }
        case Step::kChat:
          if (event != nullptr)
            event->mutable_chat()->set_intent(kaiku::v1::CHAT_INTENT_BUY);
          gap = Uniform(60, 240) * kSecond;
          break;
        case Step::kQuote:
          if (event != nullptr) {
            event->mutable_form_submit()->set_form_kind(
                kaiku::v1::FORM_KIND_QUOTE);
          }
          gap = kSecond;
          break;
      }
      break;
    }
  }
  return last ? -1 : gap;
}

}  // namespace kaiku::loadgen
