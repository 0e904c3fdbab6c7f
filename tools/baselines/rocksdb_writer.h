// Baseline (a): a raw RocksDB write of the same timeline records, no gRPC, no
// scoring: one WriteBatch per call, WAL on, RocksDB's default options. The
// storage limit for Kaiku's records.
//
// Three key layouts, to measure what the key order costs in memtable inserts
// and compaction:
//   kVisitorFirst  Kaiku's timeline key (key_codec.h): tenant, visitor, time,
//   id kDayBucketed   tenant, event day, visitor, time, id: a visitor's events
//   of
//                  one day together, and old days out of the way of compaction
//   kTimeFirst     tenant, time, visitor, id: appends at the end of the key
//   space
//   kLogAndIndex   the record under an append-only sequence number in one
//                  column family, and Kaiku's timeline key pointing at it (8
//                  bytes) in another: a time-first log with a visitor index
#ifndef KAIKU_TOOLS_BASELINES_ROCKSDB_WRITER_H_
#define KAIKU_TOOLS_BASELINES_ROCKSDB_WRITER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tools/baselines/writer.h"

namespace kaiku::baselines {

enum class KeyLayout { kVisitorFirst, kDayBucketed, kTimeFirst, kLogAndIndex };

// Opens (creating) a database at `path`; the writer shares it with nothing.
absl::StatusOr<std::unique_ptr<Writer>> OpenRocksDbWriter(
    const std::string& path, KeyLayout layout);

}  // namespace kaiku::baselines

#endif  // KAIKU_TOOLS_BASELINES_ROCKSDB_WRITER_H_
