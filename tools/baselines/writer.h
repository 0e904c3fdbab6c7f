// The baselines of the benchmark (the performance issue, SPEC §8): the same
// records Kaiku stores, written by other means, so that Kaiku's figures can be
// read as ratios measured in one run.
//
//   std::unique_ptr<Writer> writer = ...;   // rocksdb_writer.h,
//   redis_writer.h, RETURN_IF_ERROR(writer->Write(records)); //
//   postgres_writer.h
//
// Thread safety: one Writer per thread.
#ifndef KAIKU_TOOLS_BASELINES_WRITER_H_
#define KAIKU_TOOLS_BASELINES_WRITER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace kaiku::baselines {

// One event as every baseline stores it: its identity and time, and the
// payload Kaiku stores in its timeline (a serialized TimelineRecord).
struct Record {
  std::string tenant;
  std::string visitor_id;
  std::string event_id;
  int64_t occurred_micros = 0;
  std::string payload;
};

class Writer {
 public:
  virtual ~Writer() = default;
  // Stores `records` durably (as the baseline defines it) and updates each
  // visitor's aggregate; returns once they are acknowledged.
  virtual absl::Status Write(absl::Span<const Record> records) = 0;
};

}  // namespace kaiku::baselines

#endif  // KAIKU_TOOLS_BASELINES_WRITER_H_
