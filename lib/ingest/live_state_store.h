// A view of the store for the read side (GetVisitor, ListLeads) in which each
// visitor's state is the one its ingest worker has in memory: written behind
// (lib/ingest/journal.h), the stored state may be older.
#ifndef KAIKU_LIB_INGEST_LIVE_STATE_STORE_H_
#define KAIKU_LIB_INGEST_LIVE_STATE_STORE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/ingest/pipeline.h"
#include "lib/storage/store.h"

namespace kaiku::ingest {

class LiveStateStore : public storage::StoreWrapper {
 public:
  // `store` and `pipeline` must outlive this.
  LiveStateStore(storage::Store* store, const IngestPipeline* pipeline)
      : StoreWrapper(store), pipeline_(pipeline) {}

  absl::StatusOr<std::optional<std::string>> GetVisitorState(
      absl::string_view tenant, absl::string_view visitor_id) override {
    if (std::optional<std::string> cached =
            pipeline_->CachedState(tenant, visitor_id))
      return cached;
    return StoreWrapper::GetVisitorState(tenant, visitor_id);
  }

 private:
  const IngestPipeline* const pipeline_;
};

}  // namespace kaiku::ingest

#endif  // KAIKU_LIB_INGEST_LIVE_STATE_STORE_H_
