#include "lib/replay/dataset.h"

#include <set>
#include <sstream>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "lib/replay/csv.h"

namespace kaiku::replay {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::v1::Event;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<Event> Read(Dataset dataset, const std::string& text) {
  std::istringstream in(text);
  absl::StatusOr<std::vector<Event>> events =
      ReadDataset(dataset, in, "test.csv");
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? *events : std::vector<Event>{};
}

absl::Status ReadError(Dataset dataset, const std::string& text) {
  std::istringstream in(text);
  return ReadDataset(dataset, in, "test.csv").status();
}

int64_t Micros(const Event& e) {
  return TimeUtil::TimestampToMicroseconds(e.occurred_at());
}

TEST(CsvTest, SplitsQuotedFields) {
  auto fields = SplitCsvLine(R"(a,"b,c","say ""hi""",,e)");
  ASSERT_TRUE(fields.ok());
  EXPECT_THAT(*fields, ElementsAre("a", "b,c", "say \"hi\"", "", "e"));
  EXPECT_FALSE(SplitCsvLine(R"(a,"open)").ok());
}

TEST(CsvTest, MissingColumnIsNamed) {
  std::istringstream in("user_id,item_id\n1,2\n");
  auto reader = CsvReader::Open(in, "x.csv", {"user_id", "timestamp"});
  ASSERT_FALSE(reader.ok());
  EXPECT_THAT(reader.status().message(),
              HasSubstr("x.csv:1: no column \"timestamp\""));
}

TEST(TaobaoTest, MapsBehavioursInTimeOrderWithDaySessions) {
  // Rows out of time order, as in the file; 1511544070 is
  // 2017-11-25 01:21:10 China time; 1511625600 is 2017-11-26 00:00 there.
  std::vector<Event> events = Read(Dataset::kTaobao,
                                   "user_id,item_id,category_id,behavior_type,"
                                   "timestamp\n"
                                   "7,200,30,buy,1511625600\n"
                                   "7,100,30,pv,1511544070\n"
                                   "7,100,30,fav,1511544080\n"
                                   "7,100,30,cart,1511544090\n");
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].event_id(), "tb-00000003");  // line 3 of the file
  EXPECT_EQ(events[0].visitor_id(), "tb-7");
  EXPECT_EQ(events[0].session_id(), "tb-7-20171125");
  EXPECT_EQ(events[0].page_view().url(),
            "https://taobao.example/products/30/100");
  EXPECT_EQ(events[1].page_view().url(),
            "https://taobao.example/wishlist/add?item=100");
  EXPECT_EQ(events[2].page_view().url(),
            "https://taobao.example/cart?item=100");
  EXPECT_TRUE(events[3].has_conversion());
  EXPECT_EQ(events[3].conversion().order_id(), "tb-00000002");
  EXPECT_EQ(events[3].session_id(), "tb-7-20171126");
  EXPECT_EQ(Micros(events[3]), int64_t{1511625600} * 1000000);
}

TEST(TaobaoTest, BadValuesNameLineAndColumn) {
  const std::string header =
      "user_id,item_id,category_id,behavior_type,timestamp\n";
  EXPECT_THAT(ReadError(Dataset::kTaobao, header + "1,2,3,pv,x\n").message(),
              HasSubstr("test.csv:2: timestamp: must be Unix seconds"));
  EXPECT_THAT(ReadError(Dataset::kTaobao, header + "1,2,3,pv,5\n1,2,3,like,6\n")
                  .message(),
              HasSubstr("test.csv:3: behavior_type: \"like\" is not"));
}

TEST(Rees46Test, MapsViewsCartsAndPurchases) {
  std::vector<Event> events =
      Read(Dataset::kRees46,
           "event_time,event_type,product_id,category_id,category_code,brand,"
           "price,user_id,user_session\n"
           "2019-10-01 00:00:05 UTC,purchase,11,99,,acme,35.79,5,s-1\n"
           "2019-10-01 00:00:01 UTC,view,11,99,appliances.kitchen.kettle,acme,"
           "35.79,5,s-1\n"
           "2019-10-01 00:00:01 UTC,view,12,98,,,1.00,5,\n"
           "2019-10-01 00:00:03 UTC,cart,11,99,,acme,35.79,5,s-1\n");
  ASSERT_EQ(events.size(), 4u);
  // Same second: the file's order (event ids follow the lines).
  EXPECT_EQ(events[0].page_view().url(),
            "https://rees46.example/products/appliances/kitchen/kettle/11");
  EXPECT_EQ(events[0].session_id(), "s-1");
  EXPECT_EQ(events[1].page_view().url(),
            "https://rees46.example/products/98/12");
  EXPECT_EQ(events[1].session_id(), "");  // no session: context only
  EXPECT_EQ(events[2].page_view().url(),
            "https://rees46.example/cart?product=11");
  EXPECT_DOUBLE_EQ(events[3].conversion().value(), 35.79);
  EXPECT_EQ(events[3].visitor_id(), "rr-5");
  EXPECT_EQ(Micros(events[3]), (int64_t{1569888000} + 5) * 1000000);
}

TEST(Rees46Test, BadTimeIsNamed) {
  EXPECT_THAT(ReadError(Dataset::kRees46,
                        "event_time,event_type,product_id,category_id,"
                        "category_code,brand,price,user_id,user_session\n"
                        "yesterday,view,1,2,,,1,3,s\n")
                  .message(),
              HasSubstr("test.csv:2: event_time:"));
}

const char kUciHeader[] =
    "Administrative,Administrative_Duration,Informational,"
    "Informational_Duration,ProductRelated,ProductRelated_Duration,"
    "BounceRates,ExitRates,PageValues,SpecialDay,Month,OperatingSystems,"
    "Browser,Region,TrafficType,VisitorType,Weekend,Revenue\n";

TEST(UciTest, ExpandsASessionIntoPagesWithDwellAndAConversion) {
  std::vector<Event> events =
      Read(Dataset::kUci, std::string(kUciHeader) +
                              "1,30,0,0,2,100,0,0,0,0,Feb,1,1,1,1,"
                              "Returning_Visitor,FALSE,TRUE\n");
  // Earlier visit, account page + engagement, 2 × (product + engagement),
  // conversion.
  ASSERT_EQ(events.size(), 8u);
  const Event& earlier = events[0];
  EXPECT_EQ(earlier.page_view().url(), "https://uci.example/");
  EXPECT_EQ(earlier.session_id(), "");
  EXPECT_EQ(events[1].page_view().url(), "https://uci.example/account/1");
  EXPECT_EQ(events[1].session_id(), "uci-00002");
  EXPECT_EQ(Micros(events[1]) - Micros(earlier), int64_t{7} * 86400 * 1000000);
  EXPECT_EQ(events[2].engagement().url(), "https://uci.example/account/1");
  EXPECT_EQ(TimeUtil::DurationToSeconds(events[2].engagement().engaged_time()),
            30);
  // The engagement comes before the next page view of the same moment.
  EXPECT_EQ(Micros(events[2]), Micros(events[3]));
  EXPECT_EQ(events[3].page_view().url(), "https://uci.example/products/1");
  EXPECT_EQ(Micros(events[5]) - Micros(events[3]), 50 * 1000000);
  EXPECT_EQ(events[5].page_view().url(), "https://uci.example/products/2");
  EXPECT_EQ(events[6].engagement().url(), "https://uci.example/products/2");
  EXPECT_TRUE(events[7].has_conversion());
  EXPECT_EQ(Micros(events[7]) - Micros(events[1]), 130 * 1000000);
}

TEST(UciTest, UntimedPagesAreASecondApartAndNoRevenueNoConversion) {
  std::vector<Event> events =
      Read(Dataset::kUci, std::string(kUciHeader) +
                              "0,0,0,0,3,0,0,0,0,0,Feb,1,1,1,1,New_Visitor,"
                              "FALSE,FALSE\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(Micros(events[1]) - Micros(events[0]), 1000000);
  for (const Event& e : events) EXPECT_TRUE(e.has_page_view());
}

TEST(UciTest, SessionsStartInTheirMonthOnTheirKindOfDay) {
  std::string csv = kUciHeader;
  for (int i = 0; i < 40; ++i) {
    csv += i % 2 == 0 ? "0,0,0,0,1,0,0,0,0,0,Nov,1,1,1,1,New_Visitor,TRUE,"
                        "FALSE\n"
                      : "0,0,0,0,1,0,0,0,0,0,Mar,1,1,1,1,New_Visitor,FALSE,"
                        "TRUE\n";
  }
  std::vector<Event> events = Read(Dataset::kUci, csv);
  for (const Event& e : events) {
    if (!e.has_page_view()) continue;
    const absl::CivilSecond at = absl::ToCivilSecond(
        absl::FromUnixMicros(Micros(e)), absl::UTCTimeZone());
    const absl::Weekday day = absl::GetWeekday(absl::CivilDay(at));
    const bool weekend =
        day == absl::Weekday::saturday || day == absl::Weekday::sunday;
    const int line = std::stoi(e.visitor_id().substr(4));
    const bool nov = line % 2 == 0;  // line 2 is the first row
    EXPECT_EQ(at.year(), 2014);
    EXPECT_EQ(at.month(), nov ? 11 : 3) << e.visitor_id();
    EXPECT_EQ(weekend, nov) << e.visitor_id();
    EXPECT_GE(at.hour(), 8);
    EXPECT_LT(at.hour(), 22);
  }
  // Spread over the month's days, not one after another in file order.
  std::set<int64_t> days;
  for (const Event& e : events)
    days.insert(Micros(e) / (86400 * int64_t{1000000}));
  EXPECT_GT(days.size(), 8u);
}

TEST(UciTest, BadMonthIsNamed) {
  EXPECT_THAT(ReadError(Dataset::kUci,
                        std::string(kUciHeader) +
                            "0,0,0,0,3,0,0,0,0,0,Smarch,1,1,1,1,New_Visitor,"
                            "FALSE,FALSE\n")
                  .message(),
              HasSubstr("test.csv:2: Month: must be a month"));
}

TEST(UciTest, BadCountIsNamed) {
  EXPECT_THAT(ReadError(Dataset::kUci,
                        std::string(kUciHeader) +
                            "x,0,0,0,3,0,0,0,0,0,Feb,1,1,1,1,New_Visitor,"
                            "FALSE,FALSE\n")
                  .message(),
              HasSubstr("test.csv:2: Administrative: must be a page count"));
}

TEST(DatasetTest, ParsesNames) {
  EXPECT_EQ(*ParseDataset("uci"), Dataset::kUci);
  EXPECT_THAT(ParseDataset("kaggle").status().message(),
              HasSubstr("\"kaggle\" is not one of"));
}

}  // namespace
}  // namespace kaiku::replay
