// kaiku_eval: how well Kaiku's scores predict purchases on a dataset, in one
// table: the default (or --model) scoring model, a learned model (--learned,
// from kaiku_train), two simple baselines (product page views in the episode,
// and in the whole history) and the published results the data's README
// quotes. Episodes, moments and labels: lib/evaluation/episodes.h. Only the
// held-out part of the split is evaluated (--test_fraction=0: everything), so
// a learned model is judged on visitors it was not fitted to.
//
//   kaiku_eval --dataset=taobao --csv=../shared/data/taobao-sample/train.csv
//                  --learned=build/eval/taobao.model.textproto
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/evaluation/quality.h"
#include "lib/evaluation/split.h"
#include "lib/evaluation/timelines.h"
#include "lib/scoring/fold.h"
#include "lib/scoring/visitor_state.h"
#include "tools/eval/input.h"
#include "tools/eval/peer.h"

ABSL_FLAG(std::string, model, "",
          "The model of the first row (default: the built-in default model, "
          "deploy/config/model.textproto).");
ABSL_FLAG(
    std::vector<std::string>, learned, {},
    "Learned model files (kaiku_train --out) to compare, comma-separated.");
ABSL_FLAG(int, top_k, 100, "k of the precision among the top-k leads.");
ABSL_FLAG(std::string, features_out, "",
          "Writes every example's history features (tools/eval/peer.h) here, "
          "for the offline peer (tools/eval/gbm_peer.py).");
ABSL_FLAG(std::string, peer_scores, "",
          "The offline peer's held-out scores (tools/eval/gbm_peer.py), "
          "measured as one more row.");
ABSL_FLAG(std::string, peer_name, "Peer: gradient boosting on history features",
          "The peer's row name.");
ABSL_FLAG(std::string, time_zone, "",
          "The time zone of calendar days and hours in the history features "
          "(IANA name; default: the dataset's, Asia/Shanghai for taobao, UTC "
          "otherwise).");

namespace {

using kaiku::evaluation::Example;
using kaiku::evaluation::Quality;

std::string Num(double v) {
  return std::isnan(v) ? "—" : absl::StrFormat("%.3f", v);
}

struct Row {
  std::string name;
  Quality quality;
};

void PrintRow(const Row& row) {
  const Quality& q = row.quality;
  std::string at_hot =
      q.at_threshold.has_value()
          ? absl::StrFormat("%.3f (≥ %.3g)", q.at_threshold->f1,
                            q.at_threshold->threshold)
          : "—";
  std::string flagged = q.flagged_share.has_value()
                            ? absl::StrFormat("%.0f %%", 100 * *q.flagged_share)
                            : "—";
  std::string lead = q.median_lead_hours.has_value()
                         ? absl::StrFormat("%.1f h", *q.median_lead_hours)
                         : "—";
  std::cout << absl::StrFormat(
      "| %s | %s | %s | %s | %s (≥ %.3g) | %s | %s | %s | %s |\n", row.name,
      Num(q.roc_auc), Num(q.pr_auc),
      q.every_event_roc_auc.has_value() ? Num(*q.every_event_roc_auc) : "—",
      Num(q.best_f1.f1), q.best_f1.threshold, at_hot, Num(q.precision_at_k),
      flagged, lead);
}

kaiku::evaluation::Split Examples(const kaiku::tools::Input& input,
                                  const kaiku::scoring::Scorer& scorer) {
  std::vector<Example> all =
      kaiku::evaluation::AllExamples(scorer, input.timelines);
  if (input.test_fraction == 0) return {.train = {}, .test = std::move(all)};
  return kaiku::evaluation::SplitExamples(std::move(all), input.split,
                                          input.test_fraction);
}

std::vector<Example> HeldOut(const kaiku::tools::Input& input,
                             const kaiku::scoring::Scorer& scorer) {
  return Examples(input, scorer).test;
}

absl::StatusOr<absl::TimeZone> TimeZoneFlag(kaiku::replay::Dataset dataset) {
  std::string name = absl::GetFlag(FLAGS_time_zone);
  if (name.empty())
    name = dataset == kaiku::replay::Dataset::kTaobao ? "Asia/Shanghai" : "UTC";
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(name, &zone))
    return absl::InvalidArgumentError(
        absl::StrCat("--time_zone: unknown time zone \"", name, "\""));
  return zone;
}

Quality MeasureModel(const std::vector<Example>& examples,
                     const kaiku::scoring::Model& model, int k) {
  return kaiku::evaluation::Measure(
      examples, [](const Example& e) { return e.score; },
      model.proto().levels().hot().enter(), k, /*with_lead_time=*/true);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kaiku_eval --dataset=taobao|rees46|uci (--csv=FILE | --store=DIR "
      "[--tenant=T]) [--learned=MODEL] [--model=MODEL]");
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<kaiku::tools::Input> input = kaiku::tools::ReadInput();
  if (!input.ok()) {
    std::cerr << "kaiku_eval: " << input.status().message() << "\n";
    return 2;
  }
  const int k = absl::GetFlag(FLAGS_top_k);
  if (k < 1) {
    std::cerr << "kaiku_eval: --top_k: must be at least 1\n";
    return 2;
  }
  absl::StatusOr<std::shared_ptr<const kaiku::scoring::Model>> base =
      kaiku::tools::LoadModelFlag(absl::GetFlag(FLAGS_model), "model");
  if (!base.ok()) {
    std::cerr << "kaiku_eval: " << base.status().message() << "\n";
    return 2;
  }
  std::vector<std::shared_ptr<const kaiku::scoring::Model>> learned;
  for (const std::string& path : absl::GetFlag(FLAGS_learned)) {
    if (path.empty()) continue;
    auto loaded = kaiku::tools::LoadModelFlag(path, "learned");
    if (!loaded.ok()) {
      std::cerr << "kaiku_eval: " << loaded.status().message() << "\n";
      return 2;
    }
    learned.push_back(*loaded);
  }

  const kaiku::scoring::Scorer base_scorer(**base);
  kaiku::evaluation::Split split = Examples(*input, base_scorer);
  const std::vector<Example>& test = split.test;
  if (!absl::GetFlag(FLAGS_features_out).empty()) {
    absl::StatusOr<absl::TimeZone> zone = TimeZoneFlag(input->dataset);
    absl::Status written =
        zone.ok() ? kaiku::tools::WriteFeatures(
                        absl::GetFlag(FLAGS_features_out), **base, *zone,
                        input->timelines, split.train, split.test)
                  : zone.status();
    if (!written.ok()) {
      std::cerr << "kaiku_eval: " << written.message() << "\n";
      return 2;
    }
  }
  int64_t positives = 0, bots = 0, disqualified = 0;
  for (const Example& e : test) {
    positives += e.converted ? 1 : 0;
    bots += e.bot ? 1 : 0;
    disqualified += e.disqualified ? 1 : 0;
  }
  const std::string name(kaiku::replay::DatasetName(input->dataset));
  std::cout << "## " << name << ": " << input->source << "\n\n";
  std::cout << absl::StrFormat(
      "%d visitors, %d events; evaluated: %s, %d episodes, %d converted "
      "(%.1f %%); under the %s model %.1f %% of them bots, %.1f %% "
      "disqualified\n\n",
      input->timelines.size(), input->events,
      input->test_fraction == 0
          ? std::string("all episodes")
          : absl::StrFormat("the held-out %.0f %% (%s split)",
                            100 * input->test_fraction,
                            input->split == kaiku::evaluation::SplitKind::kTime
                                ? "time"
                                : "visitor"),
      test.size(), positives,
      test.empty() ? 0.0 : 100.0 * positives / test.size(), (*base)->version(),
      test.empty() ? 0.0 : 100.0 * bots / test.size(),
      test.empty() ? 0.0 : 100.0 * disqualified / test.size());
  if (positives == 0 || positives == static_cast<int64_t>(test.size())) {
    std::cerr << "kaiku_eval: the evaluated part needs converted and "
                 "unconverted episodes\n";
    return 1;
  }

  std::vector<Row> rows;
  rows.push_back({absl::StrCat(absl::GetFlag(FLAGS_model).empty()
                                   ? "Kaiku, hand-set default model `"
                                   : "Kaiku, model `",
                               (*base)->version(), "`"),
                  MeasureModel(test, **base, k)});
  for (const auto& model : learned) {
    const kaiku::scoring::Scorer learned_scorer(*model);
    rows.push_back(
        {absl::StrCat("Kaiku, learned model `", model->version(), "`"),
         MeasureModel(HeldOut(*input, learned_scorer), *model, k)});
  }
  if (!absl::GetFlag(FLAGS_peer_scores).empty()) {
    absl::StatusOr<std::vector<double>> peer =
        kaiku::tools::ReadPeerScores(absl::GetFlag(FLAGS_peer_scores), test);
    if (!peer.ok()) {
      std::cerr << "kaiku_eval: --peer_scores: " << peer.status().message()
                << "\n";
      return 2;
    }
    const Example* first = test.data();
    rows.push_back(
        {absl::GetFlag(FLAGS_peer_name),
         kaiku::evaluation::Measure(
             test, [&](const Example& e) { return (*peer)[&e - first]; },
             std::nullopt, k, false)});
  }
  rows.push_back({"Baseline: product page views in the episode",
                  kaiku::evaluation::Measure(
                      test,
                      [](const Example& e) {
                        return static_cast<double>(e.episode_product_views);
                      },
                      std::nullopt, k, false)});
  rows.push_back({"Baseline: product page views, whole history",
                  kaiku::evaluation::Measure(
                      test,
                      [](const Example& e) {
                        return static_cast<double>(e.total_product_views);
                      },
                      std::nullopt, k, false)});

  std::cout << "| score | ROC-AUC | PR-AUC | ROC-AUC at every event | best F1 "
               "(threshold) | F1 at hot | precision @ top "
            << rows.front().quality.k
            << " | converted episodes flagged hot before | median lead time "
               "|\n|---|---|---|---|---|---|---|---|---|\n";
  for (const Row& row : rows) PrintRow(row);
  if (input->dataset == kaiku::replay::Dataset::kUci) {
    std::cout << "| Published: gradient boosting on all 12,330 sessions with "
                 "PageValues (Sakar et al. 2019, quoted in "
                 "../shared/data/README.md) | ≈ 0.93 | — | — | 0.65–0.68 | — "
                 "| — | — | — |\n";
  } else {
    std::cout << "| Published | ../shared/data/README.md quotes no results "
                 "for this sample | | | | | | | |\n";
  }
  std::cout
      << "\nEncoded visitor state (what kaikud caches and stores; SPEC §8: "
         "at most 256 bytes a cached visitor with its key), every "
         "visitor at the end of the data:";
  std::vector<std::shared_ptr<const kaiku::scoring::Model>> models = {*base};
  models.insert(models.end(), learned.begin(), learned.end());
  for (const auto& model : models) {
    const kaiku::scoring::Scorer scorer(*model);
    std::vector<size_t> sizes;
    for (const kaiku::evaluation::Timeline& t : input->timelines) {
      sizes.push_back(kaiku::scoring::EncodeVisitorState(
                          kaiku::scoring::FoldTimeline(scorer, t.events))
                          .size());
    }
    std::sort(sizes.begin(), sizes.end());
    std::cout << absl::StrFormat(" `%s` median %d bytes, max %d;",
                                 model->version(), sizes[sizes.size() / 2],
                                 sizes.back());
  }
  std::cout << "\n";
  const double rate = static_cast<double>(positives) / test.size();
  std::cout << "\nPositive rate (the PR-AUC of a random score): " << Num(rate)
            << "; F1 of calling every episode a purchase: "
            << Num(2 * rate / (1 + rate)) << "\n";
  return 0;
}
