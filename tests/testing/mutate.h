// Random edits of an input, for the deterministic fuzz tests of the parsers of
// outside input (SPEC §9): byte flips, cuts, duplicated and deleted spans.
#ifndef KAIKU_TESTS_TESTING_MUTATE_H_
#define KAIKU_TESTS_TESTING_MUTATE_H_

#include <random>
#include <string>

namespace kaiku::testing {

// 1 to 4 random edits of `s`.
inline std::string Mutate(std::string s, std::mt19937& rng) {
  const int edits = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int i = 0; i < edits && !s.empty(); ++i) {
    const size_t at =
        std::uniform_int_distribution<size_t>(0, s.size() - 1)(rng);
    switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
      case 0:  // flip a byte
        s[at] = static_cast<char>(rng());
        break;
      case 1:  // cut
        s.resize(at);
        break;
      case 2:  // duplicate a span
        s.insert(at, s.substr(at, std::uniform_int_distribution<size_t>(
                                      1, 64)(rng)));
        break;
      default:  // delete a span
        s.erase(at, std::uniform_int_distribution<size_t>(1, 16)(rng));
        break;
    }
  }
  return s;
}

}  // namespace kaiku::testing

#endif  // KAIKU_TESTS_TESTING_MUTATE_H_
