#include "services/kaikud/publisher.h"

#include <utility>
#include <vector>

#include "services/kaikud/grpc_status.h"

namespace kaiku::kaikud {

using ::kaiku::v1::EventResult;

namespace {

// The whole request failed: no per-event result may suggest anything was
// stored.
void FailWhole(kaiku::v1::PublishResponse* response, Publisher::Done& done,
               const absl::Status& status) {
  response->clear_results();
  response->set_rejected_count(0);
  std::move(done)(ToGrpcStatus(status));
}

}  // namespace

void Publisher::Publish(const auth::Principal& principal,
                        const kaiku::v1::PublishRequest& request,
                        kaiku::v1::PublishResponse* response, Done done) {
  response->set_sequence(request.sequence());
  std::vector<events::FieldViolation> malformed =
      events::ValidatePublishRequest(request);
  if (!malformed.empty()) {
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
    result->set_outcome(kaiku::v1::OUTCOME_REJECTED);
    for (const events::FieldViolation& v : violations) {
      auto* fv = result->add_violations();
      fv->set_field(events::EventFieldPath(i, v.field));
      fv->set_description(v.description);
    }
  }
  response->set_rejected_count(rejected);

  // `done` is moved into the pipeline callback; on a Submit error the callback
  // is never called, so it is taken back out through this holder.
  auto holder = std::make_shared<Done>(std::move(done));
  absl::Status submitted = pipeline_->Submit(
      principal.tenant, std::move(valid),
      [response, holder, valid_index = std::move(valid_index)](
          absl::Status status, std::vector<ingest::StoreOutcome> outcomes) {
        if (!status.ok()) {
          FailWhole(response, *holder, status);
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
        std::move (*holder)(grpc::Status::OK);
      });
  if (!submitted.ok()) {
    FailWhole(response, *holder, submitted);
  }
}

}  // namespace kaiku::kaikud
