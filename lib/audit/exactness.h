// The exactness check of a store (a data directory or a checkpoint, opened
// read-only): every visitor's stored state must be what refolding its stored
// timeline from scratch gives, and the leads index and the score log must
// agree with the states.
//
//   ExactnessOptions options;
//   options.models = {scoring::DefaultModel()};
//   ASSIGN_OR_RETURN(ExactnessReport report, CheckExactness(*store, options));
//   for (const Mismatch& m : report.mismatches) std::cout << m.ToString();
//
// The store is checked as a restart would recover it: visitor states that the
// ingest journal is ahead of (written behind, lib/ingest/journal.h) are
// replayed in memory first.
//
// What is checked, per tenant:
//  - fold: each visitor with events has a state (in a store where every event
//    came with its state), computed by one of `models`, whose fold part (all
//    but what was published) equals the fold of its timeline in timeline
//    order; events older than the retention may have left the timeline
//    before the state, so a visitor whose first event is that old is counted
//    as expired and not compared;
//  - state without events: a state whose timeline is empty;
//  - leads: the state's lead flag and the leads index agree, and every
//    visitor published at WARM or above is a lead;
//  - score log: sequence numbers from the first retained to the last are all
//    there (erased entries included: erasure keeps the numbers), every entry
//    not erased names a visitor with a state, a visitor's occurred_at never
//    goes back (the stream's time rule), and the level of its last level
//    event is the level its state says was published.
#ifndef KAIKU_LIB_AUDIT_EXACTNESS_H_
#define KAIKU_LIB_AUDIT_EXACTNESS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/scoring/model.h"
#include "lib/storage/store.h"

namespace kaiku::audit {

struct ExactnessOptions {
  // The models states may have been computed by (matched by fingerprint). A
  // state of any other model is a mismatch. Default: none (set at least one).
  std::vector<std::shared_ptr<const scoring::Model>> models;
  // The store's timeline retention. Default: 90 days.
  absl::Duration retention = absl::Hours(24 * 90);
  // Now, for the retention. Default: the Unix epoch (set it).
  absl::Time now;
};

struct Mismatch {
  std::string tenant;
  // Empty for the score log as a whole.
  std::string visitor_id;
  std::string what;

  std::string ToString() const;
};

struct ExactnessReport {
  int64_t tenants = 0;
  int64_t visitors = 0;
  int64_t events = 0;
  int64_t score_log_entries = 0;
  int64_t erased_entries = 0;
  // Visitors not compared because their first events expired.
  int64_t expired = 0;
  // Journal records found, and visitors whose states they were replayed into.
  int64_t journal_records = 0;
  int64_t replayed_visitors = 0;
  std::vector<Mismatch> mismatches;
};

// Errors: reading the store failed.
absl::StatusOr<ExactnessReport> CheckExactness(storage::Store& store,
                                               const ExactnessOptions& options);

}  // namespace kaiku::audit

#endif  // KAIKU_LIB_AUDIT_EXACTNESS_H_
