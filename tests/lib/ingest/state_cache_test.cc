// The byte-bounded LRU cache of encoded visitor states.
#include "lib/ingest/state_cache.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kaiku::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

TEST(StateCacheTest, GetReturnsWhatWasPut) {
  StateCache cache(1 << 20);
  EXPECT_EQ(cache.Get("a"), std::nullopt);
  cache.Put("a", "state-a");
  cache.Put("b", "state-b");
  EXPECT_THAT(cache.Get("a"), Optional(std::string("state-a")));
  EXPECT_THAT(cache.Get("b"), Optional(std::string("state-b")));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.charged_bytes(),
            StateCache::Charge(1, 7) + StateCache::Charge(1, 7));
}

// A replaced value may be shorter or longer than the old one (in place, or
// in a new allocation): the charge follows the value.
TEST(StateCacheTest, ReplacingChargesTheNewValue) {
  StateCache cache(1 << 20);
  cache.Put("visitor", std::string(100, 'x'));
  for (size_t size : {99, 101, 40, 400, 0, 100}) {
    const std::string value(size, static_cast<char>('a' + size % 26));
    cache.Put("visitor", value);
    EXPECT_THAT(cache.Get("visitor"), Optional(value)) << size;
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_EQ(cache.charged_bytes(), StateCache::Charge(7, size)) << size;
  }
}

TEST(StateCacheTest, EvictsTheLeastRecentlyUsedOverTheBound) {
  const size_t entry = StateCache::Charge(2, 50);
  StateCache cache(3 * entry);
  const std::string value(50, 's');
  cache.Put("k1", value);
  cache.Put("k2", value);
  cache.Put("k3", value);
  ASSERT_TRUE(cache.Get("k1").has_value());  // k2 is now the oldest
  cache.Put("k3", std::string(50, 't'));     // replaced: most recent
  cache.Put("k4", value);                    // evicts k2
  EXPECT_EQ(cache.Get("k2"), std::nullopt);
  EXPECT_TRUE(cache.Get("k1").has_value());
  EXPECT_TRUE(cache.Get("k3").has_value());
  EXPECT_TRUE(cache.Get("k4").has_value());
  EXPECT_LE(cache.charged_bytes(), 3 * entry);

  // A replacement that grows past the bound evicts others, not itself.
  cache.Put("k4", std::string(50 + 2 * entry - 30, 'g'));
  EXPECT_TRUE(cache.Get("k4").has_value());
  EXPECT_LE(cache.charged_bytes(), 3 * entry);
  EXPECT_LT(cache.size(), 3u);
}

TEST(StateCacheTest, AValueLargerThanTheCacheIsNotKept) {
  StateCache cache(StateCache::Charge(1, 10));
  cache.Put("a", "0123456789");
  EXPECT_TRUE(cache.Get("a").has_value());
  cache.Put("a", std::string(100, 'x'));  // the old value must not stay
  EXPECT_EQ(cache.Get("a"), std::nullopt);
  EXPECT_EQ(cache.charged_bytes(), 0u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(StateCacheTest, EraseForgets) {
  StateCache cache(1 << 20);
  cache.Put("a", "1");
  cache.Put("b", "2");
  cache.Erase("a");
  cache.Erase("missing");
  EXPECT_EQ(cache.Get("a"), std::nullopt);
  EXPECT_THAT(cache.Get("b"), Optional(std::string("2")));
  EXPECT_EQ(cache.charged_bytes(), StateCache::Charge(1, 1));
}

// The keys of the dirty entries, dirty longest first, with the sequence
// numbers they became dirty at.
std::vector<std::pair<std::string, uint64_t>> Dirty(const StateCache& cache) {
  std::vector<std::pair<std::string, uint64_t>> out;
  cache.ForEachDirty([&](const StateCache::Dirty& d) {
    out.emplace_back(std::string(d.key), d.since_sequence);
    return true;
  });
  return out;
}

// Dirty entries are never evicted; they are listed in the order they became
// dirty, keep that place (and their first sequence number) when replaced, and
// become evictable once marked clean.
TEST(StateCacheTest, DirtyEntriesStayUntilMarkedClean) {
  const size_t entry = StateCache::Charge(2, 50);
  StateCache cache(2 * entry);
  const std::string value(50, 's');
  cache.PutDirty("d1", value, 100, 1, 1000);
  cache.PutDirty("d2", value, 200, 2, 2000);
  cache.Put("c1", value);  // over the bound: the clean entry goes
  EXPECT_EQ(cache.Get("c1"), std::nullopt);
  cache.PutDirty("d3", value, 300, 3, 3000);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.dirty_count(), 3u);
  EXPECT_GT(cache.charged_bytes(), cache.capacity());

  cache.PutDirty("d1", std::string(50, 't'), 150, 4, 4000);
  using P = std::pair<std::string, uint64_t>;
  EXPECT_THAT(Dirty(cache), ElementsAre(P("d1", 1), P("d2", 2), P("d3", 3)));
  EXPECT_EQ(cache.OldestDirtySequence(), 1u);
  EXPECT_THAT(cache.Peek("d1"), Optional(std::string(50, 't')));

  cache.MarkClean("d1");  // clean and over the bound: evicted at once
  EXPECT_EQ(cache.Get("d1"), std::nullopt);
  EXPECT_THAT(Dirty(cache), ElementsAre(P("d2", 2), P("d3", 3)));
  EXPECT_EQ(cache.OldestDirtySequence(), 2u);
  cache.MarkClean("d2");
  cache.MarkClean("d3");
  EXPECT_EQ(cache.dirty_count(), 0u);
  EXPECT_EQ(cache.OldestDirtySequence(), std::nullopt);
  EXPECT_LE(cache.charged_bytes(), cache.capacity());
  // A clean put over a dirty entry makes it clean; erasing a dirty one drops
  // it from the dirty list.
  cache.PutDirty("x", "1", 1, 9, 9);
  cache.Put("x", "2");
  EXPECT_EQ(cache.dirty_count(), 0u);
  cache.PutDirty("y", "1", 1, 10, 10);
  cache.Erase("y");
  EXPECT_THAT(Dirty(cache), ::testing::IsEmpty());
}

}  // namespace
}  // namespace kaiku::ingest
