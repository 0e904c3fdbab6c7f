// Deterministic fuzzing of the dataset readers (SPEC §9: every parser of
// outside input): mutated files are mapped or refused with INVALID_ARGUMENT
// naming the file, never crash or hang, and what is mapped has ids, a time in
// range and one kind.
#include <random>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "lib/replay/dataset.h"
#include "tests/testing/mutate.h"

namespace kaiku::replay {
namespace {

struct Case {
  Dataset dataset;
  std::string text;
};

std::vector<Case> Cases() {
  return {
      {Dataset::kTaobao,
       "user_id,item_id,category_id,behavior_type,timestamp\n"
       "1,2268318,2520377,pv,1511544070\n1,2333346,2520771,fav,1511561733\n"
       "1,2576651,149192,cart,1511572885\n1,3830808,4181361,buy,1511593493\n"
       "2,3830808,4181361,pv,1511593400\n"},
      {Dataset::kRees46,
       "event_time,event_type,product_id,category_id,category_code,brand,"
       "price,user_id,user_session\n"
       "2019-10-01 00:00:00 UTC,view,44600062,2103807459595387724,,shiseido,"
       "35.79,541312140,72d76fde-8bb3-4e00-8c23-a032dfed738c\n"
       "2019-10-01 00:00:01 UTC,cart,1307067,2053013558920217191,"
       "computers.notebook,lenovo,251.74,550050854,\"7c90fc70,quoted\"\n"
       "2019-10-01 00:00:09 UTC,purchase,1307067,2053013558920217191,"
       "computers.notebook,lenovo,251.74,550050854,7c90fc70\n"},
      {Dataset::kUci,
       "Administrative,Administrative_Duration,Informational,"
       "Informational_Duration,ProductRelated,ProductRelated_Duration,"
       "BounceRates,ExitRates,PageValues,SpecialDay,Month,OperatingSystems,"
       "Browser,Region,TrafficType,VisitorType,Weekend,Revenue\n"
       "3,87.83333333,0,0,27,798.3333333,0,0.012643678,22.9160357,0.8,Feb,2,"
       "2,3,1,Returning_Visitor,FALSE,TRUE\n"
       "0,0,1,0,1,0,0.2,0.2,0,0,Feb,4,1,9,3,New_Visitor,FALSE,FALSE\n"},
  };
}

TEST(DatasetFuzzTest, MutatedFilesAreMappedOrRefusedCleanly) {
  std::mt19937 rng(9);
  int mapped = 0, refused = 0;
  for (const Case& c : Cases()) {
    for (int i = 0; i < 2000; ++i) {
      std::istringstream in(kaiku::testing::Mutate(c.text, rng));
      absl::StatusOr<std::vector<kaiku::v1::Event>> events =
          ReadDataset(c.dataset, in, "fuzz.csv");
      if (!events.ok()) {
        ++refused;
        EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
        EXPECT_EQ(events.status().message().rfind("fuzz.csv:", 0), 0u)
            << events.status().message();
        continue;
      }
      ++mapped;
      for (const kaiku::v1::Event& e : *events) {
        EXPECT_FALSE(e.event_id().empty());
        EXPECT_FALSE(e.visitor_id().empty());
        EXPECT_NE(e.kind_case(), kaiku::v1::Event::KIND_NOT_SET);
        EXPECT_GE(e.occurred_at().seconds(), 0);
        EXPECT_LE(e.occurred_at().seconds(), kMaxUnixSeconds);
      }
    }
  }
  // Both outcomes happen: the mutations are neither all fatal nor all benign.
  EXPECT_GT(mapped, 100);
  EXPECT_GT(refused, 100);
}

}  // namespace
}  // namespace kaiku::replay
