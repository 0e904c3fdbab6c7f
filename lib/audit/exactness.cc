#include "lib/audit/exactness.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "lib/common/status_macros.h"
#include "lib/ingest/journal.h"
#include "lib/ingest/stored_visitor.h"
#include "lib/scoring/fold.h"
#include "lib/scoring/scorer.h"

namespace kaiku::audit {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::kaiku::scoring::VisitorState;

constexpr int kLogChunk = 10000;

// The names of the fold's fields that differ (published aside).
std::vector<std::string> FoldDiff(const VisitorState& a,
                                  const VisitorState& b) {
  std::vector<std::string> out;
  auto check = [&](bool same, const char* name) {
    if (!same) out.push_back(name);
  };
  check(a.event_count == b.event_count, "event_count");
  check(a.session_count == b.session_count, "session_count");
  check(a.first_seen == b.first_seen, "first_seen");
  check(a.last_event == b.last_event, "last_event");
  check(a.page_time == b.page_time && a.page_type == b.page_type &&
            a.page_engaged == b.page_engaged &&
            a.page_url_hash == b.page_url_hash,
        "page");
  check(a.click_bucket == b.click_bucket &&
            a.zero_dwell_streak == b.zero_dwell_streak && a.bot == b.bot,
        "bot detection");
  check(a.level == b.level && a.level_since == b.level_since &&
            a.last_drop == b.last_drop,
        "level");
  check(a.segment == b.segment && a.stage == b.stage &&
            a.disqualifier == b.disqualifier,
        "rules");
  check(a.signals == b.signals, "signals");
  check(a.triggers == b.triggers, "triggers");
  return out;
}

class TenantCheck {
 public:
  // `recovered`: the tenant's visitor states as replayed from the journal.
  TenantCheck(storage::Store& store, const ExactnessOptions& options,
              std::string tenant,
              absl::flat_hash_map<std::string, ingest::StoredVisitor> recovered,
              ExactnessReport& report)
      : store_(store),
        options_(options),
        tenant_(std::move(tenant)),
        recovered_(std::move(recovered)),
        report_(report) {}

  absl::Status Run() {
    RETURN_IF_ERROR(LoadStates());
    RETURN_IF_ERROR(store_.ForEachLead(
        tenant_, [&](absl::string_view, absl::string_view visitor) {
          leads_.insert(std::string(visitor));
        }));
    RETURN_IF_ERROR(store_.ForEachTimeline(
        tenant_,
        [&](absl::string_view visitor, std::vector<kaiku::v1::Event> timeline) {
          CheckFold(std::string(visitor), timeline);
        }));
    for (const auto& [visitor, stored] : states_) {
      if (!with_events_.contains(visitor))
        Add(visitor, "a visitor state without events");
      const bool lead = leads_.contains(visitor);
      if (stored.lead != lead) {
        Add(visitor, absl::StrCat("lead flag ", stored.lead,
                                  " but in the leads index: ", lead));
      }
      if (stored.state.published.level >= kaiku::v1::LEVEL_WARM && !lead)
        Add(visitor, "published at WARM or above but not a lead");
    }
    for (const std::string& visitor : leads_) {
      if (!states_.contains(visitor))
        Add(visitor, "in the leads index without a state");
    }
    return CheckScoreLog();
  }

 private:
  void Add(const std::string& visitor, std::string what) {
    report_.mismatches.push_back({tenant_, visitor, std::move(what)});
  }

  absl::Status LoadStates() {
    RETURN_IF_ERROR(store_.ForEachVisitorState(
        tenant_, [&](absl::string_view visitor, absl::string_view bytes) {
          absl::StatusOr<ingest::StoredVisitor> stored =
              ingest::DecodeStoredVisitor(bytes);
          if (!stored.ok()) {
            Add(std::string(visitor),
                absl::StrCat("unreadable state: ", stored.status().message()));
            return;
          }
          states_.emplace(std::string(visitor), *std::move(stored));
        }));
    for (auto& [visitor, stored] : recovered_)
      states_[visitor] = std::move(stored);
    return absl::OkStatus();
  }

  const scoring::Model* ModelOf(const VisitorState& state) const {
    for (const auto& model : options_.models)
      if (model->fingerprint() == state.model_fingerprint) return model.get();
    return nullptr;
  }

  void CheckFold(const std::string& visitor,
                 const std::vector<kaiku::v1::Event>& timeline) {
    ++report_.visitors;
    report_.events += static_cast<int64_t>(timeline.size());
    with_events_.insert(visitor);
    auto it = states_.find(visitor);
    if (it == states_.end()) {
      if (store_.EveryEventHasState())
        Add(visitor, absl::StrCat(timeline.size(), " events but no state"));
      return;
    }
    const VisitorState& stored = it->second.state;
    const scoring::Model* model = ModelOf(stored);
    if (model == nullptr) {
      Add(visitor,
          absl::StrCat("state of model fingerprint ", stored.model_fingerprint,
                       ", which no given model has"));
      return;
    }
    const int64_t oldest_kept =
        absl::ToUnixMicros(options_.now - options_.retention);
    if (stored.first_seen < oldest_kept) {
      ++report_.expired;
      return;
    }
    const scoring::Scorer scorer(*model);
    VisitorState refolded = scoring::FoldTimeline(scorer, timeline);
    refolded.published = stored.published;
    // As stored: the encoding drops what the fold no longer uses (the page
    // of an ended session).
    absl::StatusOr<VisitorState> normalized =
        scoring::DecodeVisitorState(scoring::EncodeVisitorState(refolded));
    if (normalized.ok()) refolded = *std::move(normalized);
    if (refolded == stored) return;
    Add(visitor,
        absl::StrCat("stored state differs from the refold of its ",
                     timeline.size(), " events (stored ", stored.event_count,
                     "): ", absl::StrJoin(FoldDiff(stored, refolded), ", ")));
  }

  // Per visitor: the last occurred_at and the last level published.
  struct Published {
    int64_t occurred_at = INT64_MIN;
    std::optional<kaiku::v1::Level> level;
  };

  absl::Status CheckScoreLog() {
    const uint64_t last = store_.LastScoreSequence(tenant_);
    const uint64_t first = store_.FirstScoreSequence(tenant_);
    absl::flat_hash_map<std::string, Published> published;
    uint64_t expected = first;
    for (uint64_t after = first == 0 ? 0 : first - 1;;) {
      ASSIGN_OR_RETURN(
          std::vector<storage::ScoreLogEntry> chunk,
          store_.ReadScoreLogWithErased(tenant_, after, kLogChunk));
      for (const storage::ScoreLogEntry& entry : chunk) {
        CheckEntry(entry, expected, published);
        expected = entry.sequence + 1;
        after = entry.sequence;
      }
      if (chunk.size() < static_cast<size_t>(kLogChunk)) break;
    }
    if (last != 0 && expected != last + 1) {
      Add("", absl::StrCat("score log ends at ", expected - 1,
                           " but its last sequence number is ", last));
    }
    for (const auto& [visitor, p] : published) {
      auto it = states_.find(visitor);
      if (it == states_.end() || !p.level.has_value()) continue;
      if (it->second.state.published.level != *p.level) {
        Add(visitor,
            absl::StrCat(
                "last level in the score log is ",
                kaiku::v1::Level_Name(*p.level), " but the state published ",
                kaiku::v1::Level_Name(it->second.state.published.level)));
      }
    }
    return absl::OkStatus();
  }

  void CheckEntry(const storage::ScoreLogEntry& entry, uint64_t expected,
                  absl::flat_hash_map<std::string, Published>& published) {
    ++report_.score_log_entries;
    if (entry.sequence != expected) {
      Add("", absl::StrCat("score log: sequence numbers ", expected, "..",
                           entry.sequence - 1, " are missing"));
    }
    if (entry.erased) {
      ++report_.erased_entries;
      return;
    }
    const kaiku::v1::ScoreEvent& e = entry.event;
    if (!states_.contains(e.visitor_id())) {
      Add(e.visitor_id(), absl::StrCat("score-log entry ", entry.sequence,
                                       " of a visitor without a state"));
    }
    Published& p = published[e.visitor_id()];
    const int64_t t = TimeUtil::TimestampToMicroseconds(e.occurred_at());
    if (t < p.occurred_at) {
      Add(e.visitor_id(),
          absl::StrCat("score-log entry ", entry.sequence,
                       " goes back in time (occurred_at ",
                       TimeUtil::ToString(e.occurred_at()), ")"));
    }
    p.occurred_at = std::max(p.occurred_at, t);
    if (e.kind() == kaiku::v1::SCORE_EVENT_KIND_LEVEL_CHANGED)
      p.level = e.level();
    if (e.kind() == kaiku::v1::SCORE_EVENT_KIND_DISQUALIFIED)
      p.level = kaiku::v1::LEVEL_COLD;
  }

  storage::Store& store_;
  const ExactnessOptions& options_;
  const std::string tenant_;
  absl::flat_hash_map<std::string, ingest::StoredVisitor> recovered_;
  ExactnessReport& report_;
  absl::flat_hash_map<std::string, ingest::StoredVisitor> states_;
  absl::flat_hash_set<std::string> leads_;
  absl::flat_hash_set<std::string> with_events_;
};

}  // namespace

std::string Mismatch::ToString() const {
  if (visitor_id.empty()) return absl::StrCat("tenant ", tenant, ": ", what);
  return absl::StrCat("tenant ", tenant, ", visitor ", visitor_id, ": ", what);
}

absl::StatusOr<ExactnessReport> CheckExactness(
    storage::Store& store, const ExactnessOptions& options) {
  ExactnessReport report;
  // The states as a restart would recover them.
  absl::flat_hash_map<std::string,
                      absl::flat_hash_map<std::string, ingest::StoredVisitor>>
      recovered;
  ingest::ReplayStats replay;
  RETURN_IF_ERROR(ingest::ReplayJournal(
      store,
      [&](absl::string_view tenant, absl::string_view visitor_id,
          const ingest::StoredVisitor& visitor) {
        recovered[tenant][visitor_id] = visitor;
      },
      &replay));
  report.journal_records = replay.records;
  report.replayed_visitors = replay.visitors;
  ASSIGN_OR_RETURN(std::vector<std::string> tenants, store.ListTenants());
  for (std::string& tenant : tenants) {
    ++report.tenants;
    auto tenant_recovered = std::move(recovered[tenant]);
    RETURN_IF_ERROR(TenantCheck(store, options, std::move(tenant),
                                std::move(tenant_recovered), report)
                        .Run());
  }
  return report;
}

}  // namespace kaiku::audit
