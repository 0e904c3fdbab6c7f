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

// Format 2 (before time marks, URL counts and whole-number signals) is still
// read: these bytes were written by the format-2 encoder (commit 07d38c2).
TEST(VisitorStateTest, ReadsFormatVersionTwo) {
  const std::string v2(
      "\x02\x01\xef\xcd\xab\x07\x02\xc0\x8d\xb8\xb2\x84\xe9\x91\x03\xc0"
      "\xcd\x94\xf0\xc1\x02\x01\x03\x00\x34\x12\x00\x00\x00\x00\xa0\x3f"
      "\x01\x00\x03\x80\x8e\xce\x1c\x00\x03\x03\x00\x04\x0e\x00\x00\x00"
      "\x40\x00\x00\x40\x3f\x00\x00\x40\x40\x01\x01\x02\xc0\x96\xb1\x02"
      "\x00\x02\x01\x01\x00\x00\x80\x89\x7a",
      73);
  VisitorState s;
  s.model_fingerprint = 0xabcdef01;
  s.event_count = 7;
  s.session_count = 2;
  s.last_event = 1767225600000000 + 3000000;
  s.first_seen = 1767225600000000 - 86400000000;
  s.page_time = s.last_event;
  s.page_type = kaiku::v1::PAGE_TYPE_PRICING;
  s.page_url_hash = 0x1234;
  s.click_bucket = 1.25f;
  s.zero_dwell_streak = 1;
  s.level = kaiku::v1::LEVEL_HOT;
  s.level_since = s.last_event - 60000000;
  s.segment = kaiku::v1::SEGMENT_BUYER;
  s.stage = kaiku::v1::STAGE_DECISION;
  s.signals = {0.0f, 2.0f, 0.75f, 3.0f};
  s.triggers.resize(1);
  s.triggers[0].last_fired = s.last_event;
  s.triggers[0].recent = {s.last_event - 5000000, s.last_event};
  s.published.level = kaiku::v1::LEVEL_WARM;
  s.published.as_of = s.last_event - 1000000;
  absl::StatusOr<VisitorState> decoded = DecodeVisitorState(v2);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, s);
  // Written again as format 3: whole numbers take a byte, not four.
  const std::string v3 = EncodeVisitorState(s);
  EXPECT_EQ(v3[0], 3);
  EXPECT_LT(v3.size(), v2.size());
  EXPECT_EQ(*DecodeVisitorState(v3), s);
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
