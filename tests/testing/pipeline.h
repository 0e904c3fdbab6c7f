// Submitting to an IngestPipeline in tests and waiting for the result.
// Header-only: for tests that link kaiku::ingest.
#ifndef KAIKU_TESTS_TESTING_PIPELINE_H_
#define KAIKU_TESTS_TESTING_PIPELINE_H_

#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "kaiku/v1/event.pb.h"
#include "lib/ingest/pipeline.h"

namespace kaiku::testing {

// Submits `events` of `tenant` and waits until they are written: their
// outcomes, or the error of Submit or of the write.
inline absl::StatusOr<std::vector<ingest::StoreOutcome>> SubmitAndWait(
    ingest::IngestPipeline& pipeline, absl::string_view tenant,
    const std::vector<kaiku::v1::Event>& events) {
  std::vector<const kaiku::v1::Event*> ptrs;
  for (const kaiku::v1::Event& e : events) ptrs.push_back(&e);
  absl::Notification done;
  absl::Status status;
  std::vector<ingest::StoreOutcome> outcomes;
  absl::Status submitted = pipeline.Submit(
      tenant, ptrs, [&](absl::Status s, std::vector<ingest::StoreOutcome> o) {
        status = std::move(s);
        outcomes = std::move(o);
        done.Notify();
      });
  if (!submitted.ok()) return submitted;
  done.WaitForNotification();
  if (!status.ok()) return status;
  return outcomes;
}

}  // namespace kaiku::testing

#endif  // KAIKU_TESTS_TESTING_PIPELINE_H_
