// kaiku_train: learns a scoring model's weights (L2-regularised logistic
// regression, lib/evaluation/training.h) from timelines labelled by their
// conversions — a dataset file, or the stored timelines of a Kaiku store — on
// the training part of the split, writes the model file kaikud loads (--out),
// and prints the held-out quality of the base and the learned model.
//
//   kaikuctl checkpoint train    # then, with kaikud's data dir D:
//   kaiku_train --dataset=taobao --store=D/checkpoints/train --tenant=taobao
//               --out=taobao.model.textproto
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "lib/common/status_macros.h"
#include "lib/config/text_proto.h"
#include "lib/evaluation/quality.h"
#include "lib/evaluation/training.h"
#include "lib/scoring/model_loader.h"
#include "tools/eval/input.h"

ABSL_FLAG(std::string, base_model, "",
          "The model whose signals are the features and whose other parts the "
          "learned model keeps (default: the built-in default model).");
ABSL_FLAG(std::string, extra_signals, "",
          "A file of `signals { ... }` added to the base model's signals "
          "before the fit.");
ABSL_FLAG(std::string, out, "", "Where to write the learned model. Required.");
ABSL_FLAG(std::string, version, "",
          "The learned model's version (default: <base version>-learned-"
          "<dataset>).");
ABSL_FLAG(std::string, l2, "auto",
          "Weight of the L2 penalty on the weights (or the curves' steps); "
          "auto: chosen from 1e-4 .. 3e-2 by three-fold cross-validation over "
          "the training visitors.");
ABSL_FLAG(std::string, shapes, "none",
          "none: one weight per signal; free: a learned piecewise-linear "
          "curve per signal (a generalized additive model); monotone: curves "
          "that only rise or only fall (hour and weekday stay free).");
ABSL_FLAG(std::string, time_zone, "",
          "Sets the learned model's time_zone (calendar days and hours: the "
          "site's zone, e.g. Asia/Shanghai for taobao); default: the base "
          "model's.");
ABSL_FLAG(int, knots, 8, "With --shapes: knots per curve, 2..16.");
ABSL_FLAG(bool, fit_levels, true,
          "Set the level thresholds from the learned scores (warm: best F2, "
          "hot: best F1, sales-ready: best F0.5 on the training part); "
          "--nofit_levels keeps the base model's.");

namespace {

using kaiku::evaluation::Example;

// The base model with the signals of `path` added (nothing else may be set
// there); errors name the file, line and field.
absl::StatusOr<std::shared_ptr<const kaiku::scoring::Model>> WithExtraSignals(
    const kaiku::scoring::Model& base, const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, kaiku::config::ReadTextFile(path));
  kaiku::config::v1::ScoringModel extra;
  RETURN_IF_ERROR(kaiku::config::ParseTextProto(text, path, &extra));
  kaiku::config::v1::ScoringModel only_signals;
  *only_signals.mutable_signals() = extra.signals();
  if (!google::protobuf::util::MessageDifferencer::Equals(extra,
                                                          only_signals)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": only `signals` may be set"));
  }
  kaiku::config::v1::ScoringModel proto = base.proto();
  for (const kaiku::config::v1::Signal& s : extra.signals())
    *proto.add_signals() = s;
  absl::StatusOr<std::shared_ptr<const kaiku::scoring::Model>> model =
      kaiku::scoring::Model::Compile(proto);
  if (!model.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the base model with ", path, ": ", model.status().message()));
  }
  return model;
}

void PrintQuality(const char* name, const std::vector<Example>& examples,
                  const kaiku::scoring::Model& model) {
  kaiku::evaluation::Quality q = kaiku::evaluation::Measure(
      examples, [](const Example& e) { return e.score; },
      model.proto().levels().hot().enter(), 100, false);
  std::cout << absl::StrFormat(
      "  %-8s %-40s ROC-AUC %.3f  PR-AUC %.3f  best F1 %.3f\n", name,
      model.version(), q.roc_auc, q.pr_auc, q.best_f1.f1);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kaiku_train --dataset=taobao|rees46|uci (--csv=FILE | --store=DIR "
      "[--tenant=T]) --out=MODEL");
  absl::ParseCommandLine(argc, argv);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    std::cerr << "kaiku_train: --out: required\n";
    return 2;
  }
  absl::StatusOr<kaiku::tools::Input> input = kaiku::tools::ReadInput();
  if (!input.ok()) {
    std::cerr << "kaiku_train: " << input.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<std::shared_ptr<const kaiku::scoring::Model>> loaded =
      kaiku::tools::LoadModelFlag(absl::GetFlag(FLAGS_base_model),
                                  "base_model");
  if (!loaded.ok()) {
    std::cerr << "kaiku_train: " << loaded.status().message() << "\n";
    return 2;
  }
  std::shared_ptr<const kaiku::scoring::Model> base = *loaded;
  if (!absl::GetFlag(FLAGS_time_zone).empty()) {
    kaiku::config::v1::ScoringModel proto = base->proto();
    proto.set_time_zone(absl::GetFlag(FLAGS_time_zone));
    auto zoned = kaiku::scoring::Model::Compile(proto);
    if (!zoned.ok()) {
      std::cerr << "kaiku_train: --time_zone: " << zoned.status().message()
                << "\n";
      return 2;
    }
    base = *zoned;
  }
  if (!absl::GetFlag(FLAGS_extra_signals).empty()) {
    auto extended = WithExtraSignals(*base, absl::GetFlag(FLAGS_extra_signals));
    if (!extended.ok()) {
      std::cerr << "kaiku_train: --extra_signals: "
                << extended.status().message() << "\n";
      return 2;
    }
    base = *extended;
  }
  kaiku::evaluation::TrainingOptions options;
  if (absl::GetFlag(FLAGS_l2) == "auto") {
    options.l2_grid = {1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2};
  } else if (!absl::SimpleAtod(absl::GetFlag(FLAGS_l2), &options.logistic.l2) ||
             !(options.logistic.l2 >= 0)) {
    std::cerr << "kaiku_train: --l2: must be auto or a number >= 0\n";
    return 2;
  }
  options.fit_levels = absl::GetFlag(FLAGS_fit_levels);
  options.knots = absl::GetFlag(FLAGS_knots);
  const std::string shapes = absl::GetFlag(FLAGS_shapes);
  if (shapes == "free") {
    options.shapes = kaiku::evaluation::ShapeKind::kFree;
  } else if (shapes == "monotone") {
    options.shapes = kaiku::evaluation::ShapeKind::kMonotone;
  } else if (shapes != "none") {
    std::cerr << "kaiku_train: --shapes: \"" << shapes
              << "\" is not none, free or monotone\n";
    return 2;
  }
  options.version = absl::GetFlag(FLAGS_version);
  if (options.version.empty()) {
    options.version = absl::StrFormat(
        "%s-learned-%s%s", base->version(),
        kaiku::replay::DatasetName(input->dataset),
        absl::GetFlag(FLAGS_extra_signals).empty()
            ? ""
            : absl::StrCat(
                  "-", std::filesystem::path(absl::GetFlag(FLAGS_extra_signals))
                           .stem()
                           .string()));
  }

  const kaiku::scoring::Scorer base_scorer(*base);
  kaiku::evaluation::Split split = kaiku::evaluation::SplitExamples(
      kaiku::evaluation::AllExamples(base_scorer, input->timelines),
      input->split, input->test_fraction);
  absl::StatusOr<kaiku::evaluation::TrainingResult> trained =
      kaiku::evaluation::TrainModel(*base, split.train, options);
  if (!trained.ok()) {
    std::cerr << "kaiku_train: " << trained.status().message() << "\n";
    return 1;
  }
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  if (!printer.PrintToString(trained->model, &text)) {
    std::cerr << "kaiku_train: cannot print the model\n";
    return 1;
  }
  text = absl::StrFormat(
             "# Learned by kaiku_train from %s (%d training episodes, %s "
             "split, %.0f %% held out).\n# Schema: "
             "proto/kaiku/config/v1/model.proto. Load it with kaikud "
             "--model=<this file>.\n",
             input->source, split.train.size(),
             input->split == kaiku::evaluation::SplitKind::kTime ? "time"
                                                                 : "visitor",
             100 * input->test_fraction) +
         text;
  {
    std::ofstream file(out, std::ios::trunc);
    file << text;
    if (!file.flush()) {
      std::cerr << "kaiku_train: cannot write " << out << "\n";
      return 1;
    }
  }
  // What kaikud will load: read the written file back through its loader.
  auto learned = kaiku::scoring::LoadModelFile(out);
  if (!learned.ok()) {
    std::cerr << "kaiku_train: the written model does not load: "
              << learned.status().message() << "\n";
    return 1;
  }

  std::cout << absl::StrFormat(
      "trained on %d episodes (%d visitors' timelines from %s) in %d Newton "
      "steps; wrote %s\n",
      split.train.size(), input->timelines.size(), input->source,
      trained->fit.iterations, out);
  const kaiku::config::v1::LevelThresholds& levels =
      (*learned)->proto().levels();
  std::cout << absl::StrFormat(
      "  levels (enter/exit): warm %.1f/%.1f  hot %.1f/%.1f  sales-ready "
      "%.1f/%.1f\n",
      levels.warm().enter(), levels.warm().exit(), levels.hot().enter(),
      levels.hot().exit(), levels.sales_ready().enter(),
      levels.sales_ready().exit());
  std::cout << absl::StrFormat(
      "  l2 %g%s, bias %+.3f\n", trained->l2,
      options.l2_grid.empty() ? "" : " (cross-validated)", trained->fit.bias);
  const auto& signals = (*learned)->signals();
  for (size_t i = 0; i < signals.size(); ++i) {
    if (signals[i].shape_x.empty()) {
      std::cout << absl::StrFormat("  %-28s %+.3f  (was %+.3f)\n",
                                   signals[i].name, signals[i].weight,
                                   base->signals()[i].weight);
      continue;
    }
    std::string curve;
    for (size_t k = 0; k < signals[i].shape_x.size(); ++k) {
      absl::StrAppendFormat(&curve, " %.3g:%+.2f", signals[i].shape_x[k],
                            signals[i].shape_y[k]);
    }
    std::cout << absl::StrFormat("  %-28s f:contribution%s\n", signals[i].name,
                                 curve);
  }
  if (split.test.empty()) return 0;
  const kaiku::scoring::Scorer learned_scorer(**learned);
  std::vector<Example> learned_test =
      kaiku::evaluation::SplitExamples(
          kaiku::evaluation::AllExamples(learned_scorer, input->timelines),
          input->split, input->test_fraction)
          .test;
  std::cout << "held out (" << split.test.size() << " episodes):\n";
  PrintQuality("base", split.test, *base);
  PrintQuality("learned", learned_test, **learned);
  return 0;
}
