// The standard process_* figures of the Prometheus client libraries, read from
// Linux's /proc for this process.
#ifndef KAIKU_LIB_METRICS_PROCESS_STATS_H_
#define KAIKU_LIB_METRICS_PROCESS_STATS_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace kaiku::metrics {

struct ProcessStats {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;  // Unix time
  double open_fds = 0;
  double max_fds = 0;
};

// Parses the fields of /proc/<pid>/stat this needs. `boot_time_seconds` is the
// btime of /proc/stat; `ticks_per_second` and `page_bytes` come from sysconf.
// Returns nullopt for malformed text.
std::optional<ProcessStats> ParseProcStat(absl::string_view stat,
                                          double boot_time_seconds,
                                          double ticks_per_second,
                                          double page_bytes);

// Reads the figures of the calling process. nullopt where /proc is missing.
std::optional<ProcessStats> ReadProcessStats();

}  // namespace kaiku::metrics

#endif  // KAIKU_LIB_METRICS_PROCESS_STATS_H_
