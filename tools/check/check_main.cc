// kaiku_check: the exactness checker (lib/audit/exactness.h). Opens a data
// directory's store or a checkpoint read-only (a stopped or killed kaikud's
// store: its write-ahead log is replayed in memory, nothing is written),
// refolds every visitor's timeline from scratch and compares it with the
// stored state, the leads index and the score log. Prints each mismatch with
// its tenant and visitor, then a summary line; exits 1 on any mismatch, 2 on
// a usage or read error.
//
//   kaiku_check --store=data/db --model=deploy/config/model.textproto
//   kaiku_check --store=data/checkpoints/20261202T101500Z --model=a,b
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/clock.h"
#include "lib/audit/exactness.h"
#include "lib/scoring/model_loader.h"
#include "lib/storage/store.h"

ABSL_FLAG(std::string, store, "",
          "The store: <data_dir>/db, or a checkpoint directory. Required.");
ABSL_FLAG(std::vector<std::string>, model, {},
          "Every model file the states may have been computed by (comma-"
          "separated: the current one and those before a reload). Default: "
          "the built-in default model.");
ABSL_FLAG(int, retention_days, 90,
          "The store's timeline retention (kaikud's config `retention`).");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Checks that a Kaiku store's visitor states, leads index and score log "
      "are exactly what its timelines say.\n  kaiku_check --store=DIR "
      "[--model=FILE,...]");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_store).empty()) {
    std::cerr << "--store: required\n";
    return 2;
  }
  kaiku::audit::ExactnessOptions options;
  options.now = absl::Now();
  options.retention = absl::Hours(24) * absl::GetFlag(FLAGS_retention_days);
  for (const std::string& path : absl::GetFlag(FLAGS_model)) {
    auto model = kaiku::scoring::LoadModelFile(path);
    if (!model.ok()) {
      std::cerr << model.status().message() << "\n";
      return 2;
    }
    options.models.push_back(*std::move(model));
  }
  if (options.models.empty())
    options.models.push_back(kaiku::scoring::DefaultModel());

  kaiku::storage::StoreOptions store_options;
  store_options.path = absl::GetFlag(FLAGS_store);
  store_options.read_only = true;
  auto store = kaiku::storage::Store::Open(store_options);
  if (!store.ok()) {
    std::cerr << store.status().message() << "\n";
    return 2;
  }
  auto report = kaiku::audit::CheckExactness(**store, options);
  if (!report.ok()) {
    std::cerr << report.status().message() << "\n";
    return 2;
  }
  for (const auto& mismatch : report->mismatches)
    std::cout << mismatch.ToString() << "\n";
  std::cout << (report->mismatches.empty() ? "exact" : "NOT exact") << ": "
            << report->tenants << " tenants, " << report->visitors
            << " visitors, " << report->events << " events, "
            << report->score_log_entries << " score-log entries ("
            << report->erased_entries << " erased), " << report->expired
            << " visitors expired, " << report->replayed_visitors
            << " visitor states replayed from " << report->journal_records
            << " journal records, " << report->mismatches.size()
            << " mismatches\n";
  return report->mismatches.empty() ? 0 : 1;
}
