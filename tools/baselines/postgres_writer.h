// Baseline (c): the same ingest-and-aggregate in PostgreSQL. Each Write is one
// transaction: a multi-row INSERT of the events (primary key on the event id,
// so a retry is a no-op) and a multi-row upsert of the visitors' aggregates
// (event count, last seen, a running score). The harness runs the server with
// synchronous_commit=off (the WAL is flushed within 3 × wal_writer_delay).
#ifndef KAIKU_TOOLS_BASELINES_POSTGRES_WRITER_H_
#define KAIKU_TOOLS_BASELINES_POSTGRES_WRITER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tools/baselines/writer.h"

namespace kaiku::baselines {

// Creates the tables if missing. `conninfo` is a libpq connection string.
absl::Status CreatePostgresTables(const std::string& conninfo);
absl::StatusOr<std::unique_ptr<Writer>> OpenPostgresWriter(
    const std::string& conninfo);

}  // namespace kaiku::baselines

#endif  // KAIKU_TOOLS_BASELINES_POSTGRES_WRITER_H_
