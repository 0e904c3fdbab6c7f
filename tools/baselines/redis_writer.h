// Baseline (b): the same ingest-and-aggregate in Redis. A Lua script per
// event appends it to the visitor's stream and updates the visitor's hash
// (event count, last seen, a running score); the calls are pipelined, one
// round trip per Write. Durability is the server's: the harness starts it
// with the append-only file on (appendfsync everysec).
#ifndef KAIKU_TOOLS_BASELINES_REDIS_WRITER_H_
#define KAIKU_TOOLS_BASELINES_REDIS_WRITER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tools/baselines/writer.h"

namespace kaiku::baselines {

absl::StatusOr<std::unique_ptr<Writer>> OpenRedisWriter(const std::string& host,
                                                        int port);

}  // namespace kaiku::baselines

#endif  // KAIKU_TOOLS_BASELINES_REDIS_WRITER_H_
