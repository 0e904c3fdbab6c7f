// The brief's visitors (SPEC §2) as journeys, shared by the scoring unit tests
// and the end-to-end tests through kaikud.
#ifndef KAIKU_TESTS_TESTING_SCENARIOS_H_
#define KAIKU_TESTS_TESTING_SCENARIOS_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tests/testing/journey.h"

namespace kaiku::testing {

inline constexpr char kSite[] = "https://www.veneet.example";

// Reads blog posts on three visits over two weeks.
inline Journey InformationSeeker(const std::string& visitor, absl::Time start) {
  Journey j(visitor, start);
  for (int visit = 0; visit < 3; ++visit) {
    j.Page(absl::StrCat(kSite, "/"), absl::Seconds(30));
    for (int post = 0; post < 4; ++post) {
      j.Page(absl::StrCat(kSite, "/blogi/kalastus-", visit, "-", post),
             absl::Minutes(2) + absl::Seconds(17 * post));
    }
    j.Wait(absl::Hours(24 * 5));
  }
  return j;
}

// Compares product pages on three visits within a week.
inline Journey Researcher(const std::string& visitor, absl::Time start) {
  Journey j(visitor, start);
  const absl::Duration gaps[] = {absl::Hours(24 * 2), absl::Hours(24 * 3),
                                 absl::Hours(1)};
  for (int visit = 0; visit < 3; ++visit) {
    j.Page(absl::StrCat(kSite, "/"), absl::Seconds(30));
    for (int page = 0; page < 5; ++page) {
      j.Page(absl::StrCat(kSite, "/tuotteet/vene-", page),
             absl::Seconds(90 + 7 * page));
    }
    j.Page(absl::StrCat(kSite, "/vertailu/"), absl::Minutes(3));
    j.Wait(gaps[visit]);
  }
  return j;
}

// Knows what they want: product, price list three times, a brochure.
inline Journey Buyer(const std::string& visitor, absl::Time start) {
  Journey j(visitor, start);
  j.Page(absl::StrCat(kSite, "/"), absl::Seconds(20))
      .Page(absl::StrCat(kSite, "/tuotteet/vene-7"), absl::Minutes(3))
      .Page(absl::StrCat(kSite, "/hinnasto"), absl::Minutes(2))
      .Page(absl::StrCat(kSite, "/tuotteet/vene-7"), absl::Minutes(1))
      .Page(absl::StrCat(kSite, "/hinnasto"), absl::Seconds(90))
      .Download(kaiku::v1::ASSET_KIND_BROCHURE, absl::Seconds(40))
      .Page(absl::StrCat(kSite, "/hinnasto"), absl::Minutes(2));
  return j;
}

// Reads the careers pages and applies.
inline Journey JobSeeker(const std::string& visitor, absl::Time start) {
  Journey j(visitor, start);
  j.Page(absl::StrCat(kSite, "/"), absl::Seconds(15))
      .Page(absl::StrCat(kSite, "/ura"), absl::Minutes(1))
      .Page(absl::StrCat(kSite, "/ura/myyja"), absl::Minutes(2))
      .Form(kaiku::v1::FORM_KIND_JOB_APPLICATION);
  return j;
}

// Logs in and reads support pages only.
inline Journey SupportVisitor(const std::string& visitor, absl::Time start) {
  Journey j(visitor, start);
  j.Page(absl::StrCat(kSite, "/login"), absl::Seconds(20))
      .Page(absl::StrCat(kSite, "/tuki/huolto"), absl::Minutes(2))
      .Page(absl::StrCat(kSite, "/tuki/varaosat"), absl::Minutes(3));
  return j;
}

// Opens 50 product and price pages in 10 seconds.
inline Journey Bot(const std::string& visitor, absl::Time start) {
  Journey j(visitor, start);
  for (int i = 0; i < 50; ++i) {
    j.Page(i % 5 == 4 ? absl::StrCat(kSite, "/hinnasto")
                      : absl::StrCat(kSite, "/tuotteet/vene-", i),
           absl::Milliseconds(200));
  }
  return j;
}

// The journey `make` builds for `visitor`, moved in time so that its last
// event happens at `last` (for tests against a server's real clock).
inline Journey EndingAt(Journey (*make)(const std::string&, absl::Time),
                        const std::string& visitor, absl::Time last) {
  const absl::Time t0 = absl::FromUnixSeconds(1767225600);
  const Journey probe = make(visitor, t0);
  const google::protobuf::Timestamp& ts = probe.events().back().occurred_at();
  const absl::Time probe_last =
      absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  return make(visitor, last - (probe_last - t0));
}

}  // namespace kaiku::testing

#endif  // KAIKU_TESTS_TESTING_SCENARIOS_H_
