// Page value, learned online: per tenant and page (URL), the conversion value
// that followed the page's views — Google Analytics' "page value", computed
// from the conversions already seen, never from later ones.
//
// A conversion credits its value (1 when the event has none) to every page
// of the converting visitor's current visit (pages viewed less than
// `session_gap` apart, at most `pages_per_visit` of them). A page's value is
// its credit divided by its views plus one, both decayed with `half_life` in
// event time. kaikud stamps each page view with its page's value when it
// stores the event (PageView.page_value), before counting the view, so the
// fold of a visitor reads stored values and stays a function of its stored
// events; replays of a dataset stamp the same way in event order.
//
// Memory is bounded: at most `max_pages` pages and `max_visits` open visits
// per tenant; a page not followed when the table is full has value 0, and
// visits that ended (then the least recently active) are dropped to make
// room. The table lives in memory and is
// learned again after a restart (stored events keep their values).
//
// Thread safety: all methods may be called concurrently.
#ifndef KAIKU_LIB_SCORING_PAGE_VALUES_H_
#define KAIKU_LIB_SCORING_PAGE_VALUES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "kaiku/v1/event.pb.h"

namespace kaiku::scoring {

struct PageValueOptions {
  int64_t session_gap_micros = int64_t{30} * 60 * 1000000;
  int64_t half_life_micros = int64_t{30} * 86400 * 1000000;
  size_t pages_per_visit = 16;
  size_t max_pages = 1 << 16;
  size_t max_visits = 1 << 16;
};

class PageValues {
 public:
  explicit PageValues(const PageValueOptions& options = {});
  PageValues(const PageValues&) = delete;
  PageValues& operator=(const PageValues&) = delete;

  // Learns from `event` (a new event of `tenant`, in the order the tenant's
  // events are stored) and returns the value to stamp on it: for a page view,
  // its page's value before this view; 0 for anything else.
  double Learn(absl::string_view tenant, const kaiku::v1::Event& event);

  // The page's value at `at` (0: not followed, or no conversion yet).
  double ValueOf(absl::string_view tenant, absl::string_view url,
                 int64_t at) const;

 private:
  struct Page {
    double views = 0;
    double credit = 0;
    int64_t at = 0;  // when views and credit were last decayed
  };
  struct Visit {
    int64_t last = 0;
    std::vector<uint32_t> pages;
  };
  struct Tenant {
    absl::flat_hash_map<uint32_t, Page> pages;
    absl::flat_hash_map<std::string, Visit> visits;
  };

  // Drops the visits that have ended and, when that is not enough to leave a
  // quarter of the table free, the least recently active.
  void MakeRoom(Tenant& t, int64_t at) const;
  void Decay(Page& page, int64_t at) const;
  double Value(const Page& page, int64_t at) const;

  const PageValueOptions options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Tenant> tenants_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kaiku::scoring

#endif  // KAIKU_LIB_SCORING_PAGE_VALUES_H_
