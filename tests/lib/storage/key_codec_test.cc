#include "lib/storage/key_codec.h"

#include <algorithm>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace kaiku::storage {
namespace {

TEST(KeyCodecTest, TimelineKeyRoundTrip) {
  std::string key = TimelineKey("acme", "visitor-1", 1700000000123456, "evt-9");
  TimelineKeyParts parts;
  ASSERT_TRUE(DecodeTimelineKey(key, &parts));
  EXPECT_EQ(parts.tenant, "acme");
  EXPECT_EQ(parts.visitor_id, "visitor-1");
  EXPECT_EQ(parts.event_time_micros, 1700000000123456);
  EXPECT_EQ(parts.event_id, "evt-9");
}

TEST(KeyCodecTest, NegativeTimesRoundTripAndSortFirst) {
  std::string before = TimelineKey("t", "v", -5, "a");
  std::string after = TimelineKey("t", "v", 5, "a");
  TimelineKeyParts parts;
  ASSERT_TRUE(DecodeTimelineKey(before, &parts));
  EXPECT_EQ(parts.event_time_micros, -5);
  EXPECT_LT(before, after);
}

TEST(KeyCodecTest, RejectsMalformedKeys) {
  TimelineKeyParts parts;
  EXPECT_FALSE(DecodeTimelineKey("", &parts));
  EXPECT_FALSE(DecodeTimelineKey(std::string("\x05"
                                             "ab",
                                             3),
                                 &parts));
  std::string short_time = TimelineVisitorPrefix("t", "v") + "1234";
  EXPECT_FALSE(DecodeTimelineKey(short_time, &parts));
}

TEST(KeyCodecTest, VisitorKeysSortByTimeThenEventId) {
  std::mt19937 rng(7);
  std::vector<std::pair<int64_t, std::string>> entries;
  for (int i = 0; i < 500; ++i) {
    entries.emplace_back(
        std::uniform_int_distribution<int64_t>(-1000, 1000)(rng),
        absl::StrCat("e", rng() % 50));
  }
  std::vector<std::string> keys;
  for (const auto& [t, id] : entries)
    keys.push_back(TimelineKey("acme", "v", t, id));
  std::sort(keys.begin(), keys.end());
  std::sort(entries.begin(), entries.end());
  for (size_t i = 0; i < keys.size(); ++i) {
    TimelineKeyParts parts;
    ASSERT_TRUE(DecodeTimelineKey(keys[i], &parts));
    EXPECT_EQ(parts.event_time_micros, entries[i].first);
    EXPECT_EQ(parts.event_id, entries[i].second);
  }
}

TEST(KeyCodecTest, VisitorPrefixIsExclusive) {
  // "ab" must not be a prefix of visitor "abc"'s keys, nor tenant "a" of tenant
  // "ab"'s.
  std::string ab = TimelineVisitorPrefix("t", "ab");
  std::string abc_key = TimelineKey("t", "abc", 1, "e");
  EXPECT_NE(abc_key.compare(0, ab.size(), ab), 0);
  std::string tenant_a = TimelineVisitorPrefix("a", "bv");
  std::string tenant_ab_key = TimelineKey("ab", "v", 1, "e");
  EXPECT_NE(tenant_ab_key.compare(0, tenant_a.size(), tenant_a), 0);
  std::string upper = PrefixSuccessor(ab);
  EXPECT_LT(TimelineKey("t", "ab", INT64_MAX, "zzz"), upper);
}

TEST(KeyCodecTest, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
}

}  // namespace
}  // namespace kaiku::storage
