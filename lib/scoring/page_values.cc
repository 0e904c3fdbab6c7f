#include "lib/scoring/page_values.h"

#include <algorithm>
#include <cmath>

#include "google/protobuf/util/time_util.h"
#include "lib/common/fnv.h"

namespace kaiku::scoring {

using ::google::protobuf::util::TimeUtil;

PageValues::PageValues(const PageValueOptions& options) : options_(options) {}

void PageValues::Decay(Page& page, int64_t at) const {
  if (at <= page.at) return;
  if (page.at != 0) {
    const double f = std::exp2(-static_cast<double>(at - page.at) /
                               static_cast<double>(options_.half_life_micros));
    page.views *= f;
    page.credit *= f;
  }
  page.at = at;
}

double PageValues::Value(const Page& page, int64_t at) const {
  Page p = page;
  Decay(p, at);
  return p.credit / (p.views + 1);
}

double PageValues::ValueOf(absl::string_view tenant, absl::string_view url,
                           int64_t at) const {
  absl::MutexLock lock(&mu_);
  auto t = tenants_.find(tenant);
  if (t == tenants_.end()) return 0;
  auto p = t->second.pages.find(Fnv1a32(url));
  return p == t->second.pages.end() ? 0 : Value(p->second, at);
}

void PageValues::MakeRoom(Tenant& t, int64_t at) const {
  absl::erase_if(t.visits, [&](const auto& v) {
    return at - v.second.last > options_.session_gap_micros;
  });
  const size_t keep =
      options_.max_visits - std::max<size_t>(options_.max_visits / 4, 1);
  if (t.visits.size() <= keep) return;
  // More visits are open than the table holds: the least recently active
  // quarter goes. Each sweep frees a quarter of the table, so a sweep costs
  // O(1) per visit added.
  std::vector<int64_t> lasts;
  lasts.reserve(t.visits.size());
  for (const auto& [visitor, visit] : t.visits) lasts.push_back(visit.last);
  const size_t drop = lasts.size() - keep;
  std::nth_element(lasts.begin(), lasts.begin() + (drop - 1), lasts.end());
  const int64_t cutoff = lasts[drop - 1];
  absl::erase_if(t.visits,
                 [&](const auto& v) { return v.second.last <= cutoff; });
}

double PageValues::Learn(absl::string_view tenant,
                         const kaiku::v1::Event& event) {
  if (!event.has_page_view() && !event.has_conversion()) return 0;
  const int64_t at = TimeUtil::TimestampToMicroseconds(event.occurred_at());
  absl::MutexLock lock(&mu_);
  Tenant& t = tenants_[tenant];
  auto visit = t.visits.find(event.visitor_id());
  if (visit != t.visits.end() &&
      at - visit->second.last > options_.session_gap_micros) {
    visit->second.pages.clear();  // a new visit
  }
  if (event.has_conversion()) {
    if (visit == t.visits.end()) return 0;
    const double value =
        event.conversion().value() > 0 ? event.conversion().value() : 1.0;
    for (uint32_t hash : visit->second.pages) {
      auto p = t.pages.find(hash);
      if (p == t.pages.end()) continue;
      Decay(p->second, at);
      p->second.credit += value;
    }
    visit->second.last = std::max(visit->second.last, at);
    return 0;
  }

  const uint32_t hash = Fnv1a32(event.page_view().url());
  auto p = t.pages.find(hash);
  if (p == t.pages.end() && t.pages.size() < options_.max_pages)
    p = t.pages.emplace(hash, Page{}).first;
  double stamp = 0;
  if (p != t.pages.end()) {
    Decay(p->second, at);
    stamp = p->second.credit / (p->second.views + 1);
    p->second.views += 1;
  }
  if (visit == t.visits.end()) {
    if (t.visits.size() >= options_.max_visits) MakeRoom(t, at);
    visit = t.visits.emplace(event.visitor_id(), Visit{}).first;
  }
  if (visit != t.visits.end()) {
    Visit& v = visit->second;
    v.last = std::max(v.last, at);
    if (std::find(v.pages.begin(), v.pages.end(), hash) == v.pages.end() &&
        v.pages.size() < options_.pages_per_visit)
      v.pages.push_back(hash);
  }
  return stamp;
}

}  // namespace kaiku::scoring
