#include "lib/evaluation/episodes.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "lib/evaluation/split.h"
#include "lib/scoring/fold.h"
#include "lib/scoring/model_loader.h"
#include "tests/testing/events.h"

namespace kaiku::evaluation {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::v1::Event;

constexpr int64_t kSecond = 1000000;
constexpr int64_t kT0 = int64_t{1764000000} * kSecond;

constexpr auto At = kaiku::testing::EventAt;
constexpr auto Page = kaiku::testing::ShopPageAt;

// A visit the day before (no session id: context), then a buying session
// that converts, with a page after the purchase, then a browsing session.
std::vector<Event> Timeline() {
  std::vector<Event> t;
  t.push_back(Page("a", kT0 - 86400 * kSecond, "", "/"));
  t.push_back(Page("b", kT0, "s1", "/pricing"));
  Event chat = At("c", kT0 + 60 * kSecond, "s1");
  chat.mutable_chat()->set_intent(kaiku::v1::CHAT_INTENT_BUY);
  t.push_back(chat);
  Event form = At("d", kT0 + 120 * kSecond, "s1");
  form.mutable_form_submit()->set_form_kind(kaiku::v1::FORM_KIND_QUOTE);
  t.push_back(form);
  Event buy = At("e", kT0 + 720 * kSecond, "s1");
  buy.mutable_conversion()->set_order_id("o1");
  t.push_back(buy);
  t.push_back(Page("f", kT0 + 730 * kSecond, "s1", "/products/x"));
  t.push_back(Page("g", kT0 + 86400 * kSecond, "s2", "/products/y"));
  t.push_back(Page("h", kT0 + 86460 * kSecond, "s2", "/blog/z"));
  return t;
}

TEST(EpisodesTest, ScoresAtTheLastEventBeforeTheConversionAndAtTheLastEvent) {
  std::shared_ptr<const scoring::Model> model = scoring::DefaultModel();
  scoring::Scorer scorer(*model);
  const std::vector<Event> timeline = Timeline();
  std::vector<Example> examples = VisitorExamples(scorer, "v", timeline);
  ASSERT_EQ(examples.size(), 2u);

  const Example& bought = examples[0];
  EXPECT_EQ(bought.episode, "s1");
  EXPECT_TRUE(bought.converted);
  // The leak-free moment: the quote form, the last event before the
  // purchase, with no time added (not the purchase 10 min later).
  EXPECT_EQ(bought.at_micros, kT0 + 120 * kSecond);
  EXPECT_EQ(bought.decision_micros, kT0 + 720 * kSecond);
  EXPECT_EQ(bought.history_events, 4);
  // Exactly the events before the purchase: the first four.
  scoring::VisitorState before = scoring::FoldTimeline(
      scorer, std::vector<Event>(timeline.begin(), timeline.begin() + 4));
  EXPECT_EQ(bought.features, scorer.Features(before, bought.at_micros));
  EXPECT_DOUBLE_EQ(bought.score,
                   scorer.Evaluate(before, bought.at_micros).score);
  EXPECT_GE(bought.level, kaiku::v1::LEVEL_HOT);
  // The quote form made the visitor hot; the purchase came 10 min later.
  ASSERT_TRUE(bought.hot_since_micros.has_value());
  EXPECT_EQ(*bought.hot_since_micros, kT0 + 120 * kSecond);
  EXPECT_EQ(bought.episode_product_views, 0);
  // One score per event of the episode before the purchase; the last is the
  // example's.
  ASSERT_EQ(bought.event_scores.size(), 3u);
  EXPECT_DOUBLE_EQ(bought.event_scores.back(), bought.score);
  EXPECT_LT(bought.event_scores.front(), bought.score);

  const Example& browsed = examples[1];
  EXPECT_EQ(browsed.episode, "s2");
  EXPECT_FALSE(browsed.converted);
  EXPECT_EQ(browsed.at_micros, kT0 + 86460 * kSecond);
  EXPECT_EQ(browsed.decision_micros, browsed.at_micros);
  EXPECT_EQ(browsed.features,
            scorer.Features(scoring::FoldTimeline(scorer, timeline),
                            browsed.at_micros));
  EXPECT_EQ(browsed.episode_product_views, 1);
  EXPECT_EQ(browsed.total_product_views, 2);  // "f" after the purchase, "g"
  EXPECT_FALSE(browsed.hot_since_micros.has_value());
  EXPECT_EQ(browsed.event_scores.size(), 2u);
}

TEST(EpisodesTest, APurchaseThatOpensItsEpisodeIsNotAnExample) {
  std::shared_ptr<const scoring::Model> model = scoring::DefaultModel();
  scoring::Scorer scorer(*model);
  Event buy = At("a", kT0, "s");
  buy.mutable_conversion()->set_order_id("o");
  EXPECT_TRUE(VisitorExamples(scorer, "v", {buy}).empty());

  // Also after an earlier episode of the visitor: that one is an example
  // (negative), the purchase opening the next one is not.
  Event later = At("c", kT0 + 86400 * kSecond, "s2");
  later.mutable_conversion()->set_order_id("o2");
  std::vector<Example> examples = VisitorExamples(
      scorer, "v",
      {Page("b", kT0 - 3600 * kSecond, "s1", "/products/x"), later});
  ASSERT_EQ(examples.size(), 1u);
  EXPECT_EQ(examples[0].episode, "s1");
  EXPECT_FALSE(examples[0].converted);
}

TEST(SplitTest, VisitorSplitIsStableAndKeepsVisitorsTogether) {
  std::vector<Example> examples;
  for (int v = 0; v < 1000; ++v) {
    for (int k = 0; k < 2; ++k) {
      Example& e = examples.emplace_back();
      e.visitor_id = absl::StrCat("v", v);
      e.at_micros = v * 10 + k;
    }
  }
  Split a = SplitExamples(examples, SplitKind::kVisitor, 0.3);
  Split b = SplitExamples(examples, SplitKind::kVisitor, 0.3);
  ASSERT_EQ(a.test.size(), b.test.size());
  EXPECT_NEAR(static_cast<double>(a.test.size()) / examples.size(), 0.3, 0.05);
  for (size_t i = 0; i < a.test.size(); ++i)
    EXPECT_EQ(a.test[i].visitor_id, b.test[i].visitor_id);
  for (const Example& t : a.test) {
    for (const Example& r : a.train) ASSERT_NE(t.visitor_id, r.visitor_id);
  }
  Split by_time = SplitExamples(examples, SplitKind::kTime, 0.25);
  ASSERT_EQ(by_time.test.size(), 500u);
  for (const Example& e : by_time.test) EXPECT_GE(e.at_micros, 7500);
}

}  // namespace
}  // namespace kaiku::evaluation
