// Google Benchmark of the scorer's cost per event, and of the state's size:
//
//   build/tools/bench/kaiku_scorer_bench
//
// BM_ApplyEvent folds the brief's journeys event by event (the incremental
// path of every ingested event); BM_ApplyWithEncode adds the state's decode
// and encode around each visitor's batch, as the ingest worker does;
// BM_NextWakeUp is the decay-crossing search after each batch; BM_Recompute
// is the late-event path (a whole timeline folded again). The counters report
// events per second and the encoded state size.
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "lib/ingest/state_cache.h"
#include "lib/scoring/model_loader.h"
#include "lib/scoring/scorer.h"
#include "tests/testing/scenarios.h"

namespace kaiku::scoring {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1767225600);

std::vector<kaiku::v1::Event> Mix() {
  // The brief's proportions: 8 information seekers, 1 researcher, 1 buyer.
  std::vector<kaiku::v1::Event> events;
  auto add = [&](const kaiku::testing::Journey& j) {
    events.insert(events.end(), j.events().begin(), j.events().end());
  };
  for (int i = 0; i < 8; ++i)
    add(kaiku::testing::InformationSeeker("v-info", kStart));
  add(kaiku::testing::Researcher("v-research", kStart));
  add(kaiku::testing::Buyer("v-buyer", kStart));
  return events;
}

void BM_ApplyEvent(benchmark::State& bench) {
  const std::shared_ptr<const Model> model = DefaultModel();
  const Scorer scorer(*model);
  const std::vector<kaiku::v1::Event> journey =
      kaiku::testing::Researcher("v", kStart).events();
  std::vector<kaiku::v1::ScoreEvent> out;
  for (auto _ : bench) {
    VisitorState state = scorer.NewState();
    for (const kaiku::v1::Event& e : journey) scorer.Apply(e, state, &out);
    out.clear();
    benchmark::DoNotOptimize(state);
  }
  bench.SetItemsProcessed(bench.iterations() *
                          static_cast<int64_t>(journey.size()));
}
BENCHMARK(BM_ApplyEvent);

void BM_ApplyWithEncode(benchmark::State& bench) {
  const std::shared_ptr<const Model> model = DefaultModel();
  const Scorer scorer(*model);
  const std::vector<kaiku::v1::Event> journey =
      kaiku::testing::Researcher("v", kStart).events();
  std::vector<kaiku::v1::ScoreEvent> out;
  size_t bytes = 0;
  for (auto _ : bench) {
    std::string stored = EncodeVisitorState(scorer.NewState());
    for (const kaiku::v1::Event& e : journey) {
      VisitorState state = *DecodeVisitorState(stored);
      scorer.Apply(e, state, &out);
      stored = EncodeVisitorState(state);
    }
    bytes = stored.size();
    out.clear();
  }
  bench.SetItemsProcessed(bench.iterations() *
                          static_cast<int64_t>(journey.size()));
  bench.counters["state_bytes"] = static_cast<double>(bytes);
  bench.counters["cached_bytes"] = static_cast<double>(
      ingest::StateCache::Charge(sizeof("\x07"
                                        "default"
                                        "\x10"
                                        "visitor-12345678") -
                                     1,
                                 bytes + 1));
}
BENCHMARK(BM_ApplyWithEncode);

void BM_NextWakeUp(benchmark::State& bench) {
  const std::shared_ptr<const Model> model = DefaultModel();
  const Scorer scorer(*model);
  VisitorState state = scorer.NewState();
  std::vector<kaiku::v1::ScoreEvent> out;
  const kaiku::testing::Journey buyer = kaiku::testing::Buyer("v", kStart);
  for (const kaiku::v1::Event& e : buyer.events()) scorer.Apply(e, state, &out);
  std::optional<int64_t> wake;
  for (auto _ : bench) {
    wake = scorer.NextWakeUp(state, state.last_event);
    benchmark::DoNotOptimize(wake);
  }
  bench.counters["wake_after_s"] =
      wake.has_value() ? static_cast<double>(*wake - state.last_event) / 1e6
                       : -1;
}
BENCHMARK(BM_NextWakeUp);

void BM_Recompute(benchmark::State& bench) {
  const std::shared_ptr<const Model> model = DefaultModel();
  const Scorer scorer(*model);
  const std::vector<kaiku::v1::Event> events = Mix();
  for (auto _ : bench) {
    VisitorState state = scorer.NewState();
    for (const kaiku::v1::Event& e : events) scorer.Apply(e, state, nullptr);
    benchmark::DoNotOptimize(state);
  }
  bench.SetItemsProcessed(bench.iterations() *
                          static_cast<int64_t>(events.size()));
}
BENCHMARK(BM_Recompute);

}  // namespace
}  // namespace kaiku::scoring

BENCHMARK_MAIN();
