#include "lib/scoring/visitor_state.h"

#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/scoring/model_loader.h"
#include "lib/scoring/scorer.h"
#include "tests/testing/scenarios.h"

namespace kaiku::scoring {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1767225600);

std::vector<VisitorState> ScenarioStates() {
  std::shared_ptr<const Model> model = DefaultModel();
  Scorer scorer(*model);
  std::vector<VisitorState> states;
  for (const kaiku::testing::Journey& j :
       {kaiku::testing::InformationSeeker("v1", kStart),
        kaiku::testing::Researcher("v2", kStart),
        kaiku::testing::Buyer("v3", kStart),
        kaiku::testing::JobSeeker("v4", kStart),
        kaiku::testing::Bot("v5", kStart)}) {
    VisitorState s = scorer.NewState();
    std::vector<kaiku::v1::ScoreEvent> out;
    for (const kaiku::v1::Event& e : j.events()) scorer.Apply(e, s, &out);
    states.push_back(s);
  }
  return states;
}

TEST(VisitorStateTest, RoundTripsExactly) {
  for (const VisitorState& s : ScenarioStates()) {
    absl::StatusOr<VisitorState> decoded =
        DecodeVisitorState(EncodeVisitorState(s));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, s);
  }
  absl::StatusOr<VisitorState> empty =
      DecodeVisitorState(EncodeVisitorState(VisitorState()));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, VisitorState());
}

// SPEC §8: at most 256 bytes per cached visitor; the cache holds this form.
TEST(VisitorStateTest, EncodedStateIsCompact) {
  for (const VisitorState& s : ScenarioStates()) {
    EXPECT_LE(EncodeVisitorState(s).size(), 128u);
  }
}

// Format 2 (before time marks and URL counts) is still read: the same bytes
// without the two trailing counts.
TEST(VisitorStateTest, ReadsFormatVersionTwo) {
  for (const VisitorState& s : ScenarioStates()) {
    std::string bytes = EncodeVisitorState(s);
    ASSERT_EQ(bytes[0], 3);
    ASSERT_TRUE(s.marks.empty() && s.top_urls.empty());
    ASSERT_EQ(bytes.substr(bytes.size() - 2), std::string("\0\0", 2));
    bytes.resize(bytes.size() - 2);
    bytes[0] = 2;
    absl::StatusOr<VisitorState> decoded = DecodeVisitorState(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, s);
  }
}

TEST(VisitorStateTest, TruncatedOrForeignBytesAreDataLoss) {
  const std::string bytes = EncodeVisitorState(ScenarioStates()[2]);
  for (size_t n = 0; n < bytes.size(); ++n) {
    absl::StatusOr<VisitorState> s = DecodeVisitorState(bytes.substr(0, n));
    EXPECT_EQ(s.status().code(), absl::StatusCode::kDataLoss) << n;
  }
  EXPECT_EQ(DecodeVisitorState(bytes + "x").status().code(),
            absl::StatusCode::kDataLoss);
  std::string other_version = bytes;
  other_version[0] = 9;
  EXPECT_EQ(DecodeVisitorState(other_version).status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace kaiku::scoring
