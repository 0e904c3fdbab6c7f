#include "services/kaikud/publisher.h"

#include <chrono>
#include <utility>
#include <vector>

#include "services/kaikud/grpc_status.h"

namespace kaiku::kaikud {

using ::kaiku::v1::EventResult;

namespace {

// The whole request failed: no per-event result may suggest anything was
// stored.
void FailWhole(kaiku::v1::PublishResponse* response, Publisher::Done& done,
               const absl::Status& status, metrics::KaikudMetrics* metrics,
               int events) {
  metrics->CountRequestRefused(
      absl::IsResourceExhausted(status) ? "overloaded" : "unavailable");
  metrics->events(metrics::KaikudMetrics::Outcome::kFailed).Increment(events);
  response->clear_results();
  response->set_rejected_count(0);
  std::move(done)(ToGrpcStatus(status));
}

}  // namespace

void Publisher::Publish(const auth::Principal& principal,
                        const kaiku::v1::PublishRequest& request,
                        kaiku::v1::PublishResponse* response, Done done) {
  response->set_sequence(request.sequence());
  const auto received = std::chrono::steady_clock::now();
  metrics::KaikudMetrics* const metrics = metrics_;
  metrics->batches().Increment();
  std::vector<events::FieldViolation> malformed =
      events::ValidatePublishRequest(request);
  if (!malformed.empty()) {
    metrics->CountRequestRefused("malformed");
    metrics->events(metrics::KaikudMetrics::Outcome::kRejected)
        .Increment(request.events_size());
    std::move(done)(InvalidArgument("malformed PublishRequest", malformed));
    return;
  }

  const absl::Time now = clock_->Now();
  std::vector<const kaiku::v1::Event*> valid;
  std::vector<int> valid_index;
  valid.reserve(request.events_size());
  valid_index.reserve(request.events_size());
  int rejected = 0;
  for (int i = 0; i < request.events_size(); ++i) {
    const kaiku::v1::Event& event = request.events(i);
    EventResult* result = response->add_results();
    result->set_index(i);
    result->set_event_id(event.event_id());
    std::vector<events::FieldViolation> violations =
        events::ValidateEvent(event, now, validation_);
    if (violations.empty()) {
      valid.push_back(&event);
      valid_index.push_back(i);
      continue;
    }
    ++rejected;
    metrics->CountRejected(violations.front().field);
    result->set_outcome(kaiku::v1::OUTCOME_REJECTED);
    for (const events::FieldViolation& v : violations) {
      auto* fv = result->add_violations();
      fv->set_field(events::EventFieldPath(i, v.field));
      fv->set_description(v.description);
    }
  }
  response->set_rejected_count(rejected);
  if (rejected > 0) {
    metrics->events(metrics::KaikudMetrics::Outcome::kRejected)
        .Increment(rejected);
  }
  const int valid_count = static_cast<int>(valid.size());

  // `done` is moved into the pipeline callback; on a Submit error the callback
  // is never called, so it is taken back out through this holder.
  auto holder = std::make_shared<Done>(std::move(done));
  absl::Status submitted = pipeline_->Submit(
      principal.tenant, std::move(valid),
      [response, holder, metrics, received, valid_count,
       valid_index = std::move(valid_index)](
          absl::Status status, std::vector<ingest::StoreOutcome> outcomes) {
        if (!status.ok()) {
          FailWhole(response, *holder, status, metrics, valid_count);
          return;
        }
        int accepted = 0, duplicates = 0;
        for (size_t k = 0; k < outcomes.size(); ++k) {
          bool dup = outcomes[k] == ingest::StoreOutcome::kDuplicate;
          (dup ? duplicates : accepted) += 1;
          response->mutable_results(valid_index[k])
              ->set_outcome(dup ? kaiku::v1::OUTCOME_DUPLICATE
                                : kaiku::v1::OUTCOME_ACCEPTED);
        }
        response->set_accepted_count(accepted);
        response->set_duplicate_count(duplicates);
        using Outcome = metrics::KaikudMetrics::Outcome;
        metrics->events(Outcome::kAccepted).Increment(accepted);
        metrics->events(Outcome::kDuplicate).Increment(duplicates);
        metrics->ack_latency().Observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                          received)
                .count());
        std::move (*holder)(grpc::Status::OK);
      });
  if (!submitted.ok()) {
    FailWhole(response, *holder, submitted, metrics, valid_count);
  }
}

}  // namespace kaiku::kaikud
