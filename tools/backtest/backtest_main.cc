// kaiku_backtest: scores a store's history with a candidate model next to the
// current one, before the candidate goes live. It prints
//  - the quality of both on the labelled episodes (lib/evaluation/episodes.h:
//    each episode at its last event before the decision);
//  - what each would have sent, per day: score events, level changes, rises
//    to hot, triggers, hot visitors (lib/evaluation/backtest.h);
//  - the visitors who would end at another level.
// The store is opened read only (a checkpoint from `kaikuctl checkpoint`, or
// <data_dir>/db of a stopped kaikud): nothing is written anywhere, least of all
// to the score log.
//
//   kaikuctl checkpoint before-model-change
//   kaiku_backtest --store=D/checkpoints/before-model-change --tenant=acme
//                  --model=candidate.textproto --current=model.textproto
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "lib/evaluation/backtest.h"
#include "lib/evaluation/quality.h"
#include "lib/evaluation/timelines.h"
#include "lib/scoring/model_loader.h"

ABSL_FLAG(std::string, store, "",
          "The store: a checkpoint (kaikuctl checkpoint) or <data_dir>/db of a "
          "stopped kaikud. Required.");
ABSL_FLAG(std::string, tenant, "default", "The tenant whose history to score.");
ABSL_FLAG(std::string, model, "", "The candidate model file. Required.");
ABSL_FLAG(std::string, current, "",
          "The model now live (default: the built-in default model).");
ABSL_FLAG(std::string, until, "",
          "Run the decay timers up to this time (RFC 3339); default: the "
          "history's last event.");
ABSL_FLAG(int, top, 20,
          "How many of the visitors whose level differs to list.");

namespace {

using ::kaiku::evaluation::DayCounts;
using ::kaiku::evaluation::Example;
using ::kaiku::evaluation::StreamSummary;

std::shared_ptr<const kaiku::scoring::Model> LoadOrExit(const std::string& path,
                                                        const char* flag) {
  if (path.empty()) return kaiku::scoring::DefaultModel();
  auto model = kaiku::scoring::LoadModelFile(path);
  if (!model.ok()) {
    std::cerr << "kaiku_backtest: --" << flag << ": "
              << model.status().message() << "\n";
    std::exit(2);
  }
  return *model;
}

std::string Counts(const DayCounts& d) {
  return absl::StrFormat("%d | %d | %d | %d | %d", d.score_events,
                         d.level_changes, d.to_hot, d.triggers, d.hot_visitors);
}

std::string LevelName(kaiku::v1::Level level) {
  std::string name = kaiku::v1::Level_Name(level);
  return name.substr(name.find('_') + 1);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kaiku_backtest --store=DIR [--tenant=T] --model=CANDIDATE "
      "[--current=MODEL] [--until=RFC3339]");
  absl::ParseCommandLine(argc, argv);
  const std::string store = absl::GetFlag(FLAGS_store);
  if (store.empty() || absl::GetFlag(FLAGS_model).empty()) {
    std::cerr << "kaiku_backtest: --store and --model are required\n";
    return 2;
  }
  const std::shared_ptr<const kaiku::scoring::Model> current =
      LoadOrExit(absl::GetFlag(FLAGS_current), "current");
  const std::shared_ptr<const kaiku::scoring::Model> candidate =
      LoadOrExit(absl::GetFlag(FLAGS_model), "model");
  const std::string tenant = absl::GetFlag(FLAGS_tenant);
  auto timelines = kaiku::evaluation::TimelinesFromStore(store, tenant);
  if (!timelines.ok()) {
    std::cerr << "kaiku_backtest: " << timelines.status().message() << "\n";
    return 1;
  }
  int64_t events = 0, last = 0;
  for (const auto& t : *timelines) {
    events += static_cast<int64_t>(t.events.size());
    if (!t.events.empty()) {
      last = std::max(last,
                      google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                          t.events.back().occurred_at()));
    }
  }
  int64_t until = last;
  if (!absl::GetFlag(FLAGS_until).empty()) {
    absl::Time t;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, absl::GetFlag(FLAGS_until), &t,
                         &error)) {
      std::cerr << "kaiku_backtest: --until: " << error << "\n";
      return 2;
    }
    until = absl::ToUnixMicros(t);
  }
  std::cout << absl::StrFormat(
      "## Backtest of `%s` against `%s`\n\n%s (tenant %s): %d visitors, %d "
      "events; timers run to %s. Nothing was sent or written.\n\n",
      candidate->version(), current->version(), store, tenant,
      timelines->size(), events,
      absl::FormatTime(absl::RFC3339_sec, absl::FromUnixMicros(until),
                       absl::UTCTimeZone()));

  const std::pair<const char*, const kaiku::scoring::Model*> models[] = {
      {"current", current.get()}, {"candidate", candidate.get()}};
  std::cout << "### Quality on the labelled episodes (each at its last event "
               "before the decision)\n\n| model | episodes | converted | "
               "ROC-AUC | PR-AUC | best F1 | F1 at hot |\n|---|---|---|---|---|"
               "---|---|\n";
  StreamSummary summaries[2];
  for (int m = 0; m < 2; ++m) {
    const kaiku::scoring::Scorer scorer(*models[m].second);
    const std::vector<Example> examples =
        kaiku::evaluation::AllExamples(scorer, *timelines);
    int64_t positives = 0;
    for (const Example& e : examples) positives += e.converted ? 1 : 0;
    if (positives == 0 || positives == static_cast<int64_t>(examples.size())) {
      std::cout << absl::StrFormat("| %s `%s` | %d | %d | — | — | — | — |\n",
                                   models[m].first, models[m].second->version(),
                                   examples.size(), positives);
    } else {
      const kaiku::evaluation::Quality q = kaiku::evaluation::Measure(
          examples, [](const Example& e) { return e.score; },
          models[m].second->proto().levels().hot().enter(), 100, false);
      std::cout << absl::StrFormat(
          "| %s `%s` | %d | %d | %.3f | %.3f | %.3f | %.3f |\n",
          models[m].first, models[m].second->version(), q.examples, q.positives,
          q.roc_auc, q.pr_auc, q.best_f1.f1,
          q.at_threshold.has_value() ? q.at_threshold->f1 : 0.0);
    }
    summaries[m] = kaiku::evaluation::SimulateStream(scorer, *timelines, until,
                                                     candidate->time_zone());
  }

  std::cout
      << "\n### What each would have sent, per day ("
      << (candidate->proto().time_zone().empty()
              ? "UTC"
              : candidate->proto().time_zone())
      << ")\n\n"
         "| day | current: score events | level changes | to hot | triggers | "
         "hot visitors | candidate: score events | level changes | to hot | "
         "triggers | hot visitors |\n|---|---|---|---|---|---|---|---|---|---|"
         "---|\n";
  std::map<int64_t, int> days;
  for (const StreamSummary& s : summaries)
    for (const auto& [day, counts] : s.days) days[day] = 0;
  for (const auto& [day, unused] : days) {
    const absl::CivilDay date = absl::CivilDay(1970, 1, 1) + day;
    auto counts = [&](const StreamSummary& s) {
      auto it = s.days.find(day);
      return Counts(it == s.days.end() ? DayCounts() : it->second);
    };
    std::cout << absl::StrFormat("| %04d-%02d-%02d | %s | %s |\n", date.year(),
                                 date.month(), date.day(), counts(summaries[0]),
                                 counts(summaries[1]));
  }
  std::cout << absl::StrFormat("| all | %s | %s |\n",
                               Counts(summaries[0].total),
                               Counts(summaries[1].total));

  std::vector<size_t> differ;
  for (size_t i = 0; i < summaries[0].visitors.size(); ++i) {
    if (summaries[0].visitors[i].level != summaries[1].visitors[i].level)
      differ.push_back(i);
  }
  std::sort(differ.begin(), differ.end(), [&](size_t a, size_t b) {
    return summaries[1].visitors[a].score > summaries[1].visitors[b].score;
  });
  std::cout << absl::StrFormat(
      "\n### Visitors whose level differs at the end: %d of %d\n\n",
      differ.size(), summaries[0].visitors.size());
  if (differ.empty()) return 0;
  std::cout << "| visitor | current level (score) | candidate level (score) "
               "|\n|---|---|---|\n";
  const size_t top =
      std::min(differ.size(),
               static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_top))));
  for (size_t k = 0; k < top; ++k) {
    const auto& a = summaries[0].visitors[differ[k]];
    const auto& b = summaries[1].visitors[differ[k]];
    std::cout << absl::StrFormat("| %s | %s (%.1f) | %s (%.1f) |\n",
                                 a.visitor_id, LevelName(a.level), a.score,
                                 LevelName(b.level), b.score);
  }
  return 0;
}
