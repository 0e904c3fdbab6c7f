// Deterministic fuzzing of the scoring parsers of outside input (SPEC §9): the
// model file and stored visitor states. Mutated input must be accepted or
// refused with a status, never crash, hang or be half-read.
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "lib/scoring/model_loader.h"
#include "lib/scoring/scorer.h"
#include "lib/scoring/visitor_state.h"
#include "tests/testing/scenarios.h"

namespace kaiku::scoring {
namespace {

std::string Mutate(std::string s, std::mt19937& rng) {
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

TEST(ParserFuzzTest, MutatedModelFilesAreAcceptedOrRefusedCleanly) {
  std::mt19937 rng(4);
  const std::string text(DefaultModelText());
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    absl::StatusOr<std::shared_ptr<const Model>> model =
        ParseModel(Mutate(text, rng), "fuzz.textproto");
    if (model.ok()) {
      ++accepted;
      // An accepted model scores without trouble.
      Scorer scorer(**model);
      VisitorState state = scorer.NewState();
      std::vector<kaiku::v1::ScoreEvent> out;
      const kaiku::testing::Journey buyer =
          kaiku::testing::Buyer("v", absl::FromUnixSeconds(1767225600));
      for (const kaiku::v1::Event& e : buyer.events())
        scorer.Apply(e, state, &out);
      (void)scorer.NextWakeUp(state, state.last_event);
    } else {
      EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(model.status().message().find("fuzz.textproto"),
                absl::string_view::npos)
          << model.status();
    }
  }
  EXPECT_GT(accepted, 0);  // the mutations also reach the compiler
}

TEST(ParserFuzzTest, MutatedStatesDecodeOrAreDataLoss) {
  std::mt19937 rng(5);
  std::shared_ptr<const Model> model = DefaultModel();
  Scorer scorer(*model);
  VisitorState state = scorer.NewState();
  std::vector<kaiku::v1::ScoreEvent> out;
  const kaiku::testing::Journey buyer =
      kaiku::testing::Buyer("v", absl::FromUnixSeconds(1767225600));
  for (const kaiku::v1::Event& e : buyer.events()) scorer.Apply(e, state, &out);
  const std::string bytes = EncodeVisitorState(state);
  for (int i = 0; i < 20000; ++i) {
    absl::StatusOr<VisitorState> decoded =
        DecodeVisitorState(Mutate(bytes, rng));
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
      continue;
    }
    // Whatever decodes re-encodes to a state that decodes the same.
    EXPECT_EQ(*DecodeVisitorState(EncodeVisitorState(*decoded)), *decoded);
  }
}

}  // namespace
}  // namespace kaiku::scoring
