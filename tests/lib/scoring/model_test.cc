#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/scoring/model_loader.h"

namespace kaiku::scoring {
namespace {

using ::testing::HasSubstr;

constexpr char kMinimal[] = R"model(
version: "t1"
signals { name: "pages" source: SIGNAL_SOURCE_PAGE_VIEWS weight: 1 }
levels {
  warm { enter: 20 exit: 15 }
  hot { enter: 50 exit: 40 }
  sales_ready { enter: 75 exit: 65 }
}
)model";

TEST(ModelTest, DefaultModelLoads) {
  std::shared_ptr<const Model> model = DefaultModel();
  EXPECT_FALSE(model->version().empty());
  EXPECT_GE(model->signals().size(), 10u);
  EXPECT_GE(model->triggers().size(), 1u);
}

// The shop models under deploy/config load as kaikud loads them: the base with
// its new signal kinds, the starter with learned curves.
TEST(ModelTest, DeployedShopModelsLoad) {
  auto base =
      LoadModelFile(KAIKU_SOURCE_DIR "/deploy/config/shop-base.textproto");
  ASSERT_TRUE(base.ok()) << base.status();
  EXPECT_LE((*base)->signals().size(), static_cast<size_t>(kMaxSignals));
  EXPECT_TRUE((*base)->counts_urls());
  auto starter =
      LoadModelFile(KAIKU_SOURCE_DIR "/deploy/config/shop-model.textproto");
  ASSERT_TRUE(starter.ok()) << starter.status();
  int shaped = 0;
  for (const SignalSpec& s : (*starter)->signals())
    shaped += s.shape_x.empty() ? 0 : 1;
  EXPECT_GE(shaped, 10);
  EXPECT_EQ((*starter)->signals().size(), (*base)->signals().size());
}

TEST(ModelTest, UrlRulesClassifyPages) {
  std::shared_ptr<const Model> model = DefaultModel();
  const std::string site = "https://www.veneet.example";
  EXPECT_EQ(model->ClassifyUrl(site + "/hinnasto"),
            kaiku::v1::PAGE_TYPE_PRICING);
  EXPECT_EQ(model->ClassifyUrl(site + "/pricing?plan=pro"),
            kaiku::v1::PAGE_TYPE_PRICING);
  EXPECT_EQ(model->ClassifyUrl(site + "/"), kaiku::v1::PAGE_TYPE_HOME);
  EXPECT_EQ(model->ClassifyUrl(site), kaiku::v1::PAGE_TYPE_HOME);
  EXPECT_EQ(model->ClassifyUrl(site + "/careers/developer"),
            kaiku::v1::PAGE_TYPE_CAREERS);
  EXPECT_EQ(model->ClassifyUrl(site + "/tuotteet/vene-7"),
            kaiku::v1::PAGE_TYPE_PRODUCT);
  EXPECT_EQ(model->ClassifyUrl(site + "/blogi/kalastus"),
            kaiku::v1::PAGE_TYPE_BLOG);
  EXPECT_EQ(model->ClassifyUrl(site + "/tuki/huolto"),
            kaiku::v1::PAGE_TYPE_SUPPORT);
  EXPECT_EQ(model->ClassifyUrl(site + "/something-else"),
            kaiku::v1::PAGE_TYPE_OTHER);
}

TEST(ModelTest, MinimalModelCompiles) {
  absl::StatusOr<std::shared_ptr<const Model>> model =
      ParseModel(kMinimal, "m.textproto");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->session_gap_micros(), int64_t{1800} * 1000000);
}

TEST(ModelTest, FingerprintFollowsTheContent) {
  auto a = ParseModel(kMinimal, "a");
  auto b = ParseModel(std::string(kMinimal) + "bias: -1\n", "b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE((*a)->fingerprint(), (*b)->fingerprint());
  EXPECT_EQ((*a)->fingerprint(), (*ParseModel(kMinimal, "c"))->fingerprint());
}

struct BadModel {
  const char* name;
  std::string text;
  const char* error;  // expected substring, with line and field
};

class BadModelTest : public ::testing::TestWithParam<BadModel> {};

TEST_P(BadModelTest, IsRejectedWithLineAndField) {
  absl::StatusOr<std::shared_ptr<const Model>> model =
      ParseModel(GetParam().text, "m.textproto");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(model.status().message()),
              HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, BadModelTest,
    ::testing::Values(
        BadModel{"syntax", std::string(kMinimal) + "signals {\n",
                 "m.textproto:10:"},
        BadModel{
            "unknown_field", std::string(kMinimal) + "weight: 3\n",
            "m.textproto:9:7: Message type \"kaiku.config.v1.ScoringModel\" "
            "has no field named \"weight\""},
        BadModel{"bad_regex",
                 std::string(kMinimal) +
                     "url_rules { pattern: \"(unclosed\" page_type: "
                     "PAGE_TYPE_BLOG }\n",
                 "m.textproto:9:13: url_rules[0].pattern: not a valid RE2"},
        BadModel{"unknown_signal",
                 std::string(kMinimal) +
                     "segment_rules {\n  segment: SEGMENT_BUYER\n"
                     "  all_of { signal: \"nope\" at_least: 1 }\n}\n",
                 "m.textproto:11:12: segment_rules[0].all_of[0].signal: no "
                 "signal named \"nope\""},
        BadModel{"duplicate_signal",
                 std::string(kMinimal) + "signals { name: \"pages\" source: "
                                         "SIGNAL_SOURCE_SESSIONS }\n",
                 "m.textproto:9:11: signals[1].name: \"pages\" is repeated"},
        BadModel{"filter_on_wrong_source",
                 std::string(kMinimal) +
                     "signals { name: \"s\" source: SIGNAL_SOURCE_SESSIONS "
                     "page_types: [PAGE_TYPE_BLOG] }\n",
                 "signals[1].page_types: this source has no page type"},
        BadModel{"thresholds_not_rising",
                 R"model(version: "t"
signals { name: "p" source: SIGNAL_SOURCE_PAGE_VIEWS }
levels {
  warm { enter: 60 exit: 15 }
  hot { enter: 50 exit: 40 }
  sales_ready { enter: 75 exit: 65 }
})model",
                 "m.textproto:3:1: levels: enter thresholds must rise"},
        BadModel{"exit_above_enter",
                 R"model(version: "t"
signals { name: "p" source: SIGNAL_SOURCE_PAGE_VIEWS }
levels {
  warm { enter: 20 exit: 25 }
  hot { enter: 50 exit: 40 }
  sales_ready { enter: 75 exit: 65 }
})model",
                 "m.textproto:4:20: levels.warm.exit: must be in (0, enter]"},
        BadModel{"trigger_on_seconds",
                 std::string(kMinimal) +
                     "signals { name: \"secs\" source: "
                     "SIGNAL_SOURCE_ENGAGED_SECONDS }\n"
                     "triggers { name: \"t\" signal: \"secs\" count: 1 "
                     "window { seconds: 60 } }\n",
                 "m.textproto:10:22: triggers[0].signal: must count events"},
        BadModel{"version_not_utf8",
                 "version: \"\\377\"\n" + std::string(kMinimal).substr(15),
                 "m.textproto:1:1: version: must be 1..64 characters of UTF-8"},
        BadModel{"no_version",
                 "signals { name: \"p\" source: SIGNAL_SOURCE_PAGE_VIEWS }",
                 "m.textproto: version: must be 1..64 characters of UTF-8"}),
    [](const ::testing::TestParamInfo<BadModel>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace kaiku::scoring
