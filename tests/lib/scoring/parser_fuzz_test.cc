// Deterministic fuzzing of the scoring parsers of outside input (SPEC §9): the
// model file and stored visitor states. Mutated input must be accepted or
// refused with a status, never crash, hang or be half-read.
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "lib/scoring/model_loader.h"
#include "lib/scoring/scorer.h"
#include "lib/scoring/visitor_state.h"
#include "tests/testing/mutate.h"
#include "tests/testing/scenarios.h"

namespace kaiku::scoring {
namespace {

TEST(ParserFuzzTest, MutatedModelFilesAreAcceptedOrRefusedCleanly) {
  std::mt19937 rng(4);
  const std::string text(DefaultModelText());
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    absl::StatusOr<std::shared_ptr<const Model>> model =
        ParseModel(kaiku::testing::Mutate(text, rng), "fuzz.textproto");
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
        DecodeVisitorState(kaiku::testing::Mutate(bytes, rng));
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
