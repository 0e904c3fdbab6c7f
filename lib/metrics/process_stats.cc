#include "lib/metrics/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace kaiku::metrics {
namespace {

std::optional<std::string> ReadSmallFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

double BootTimeSeconds() {
  std::optional<std::string> stat = ReadSmallFile("/proc/stat");
  if (!stat) return 0;
  for (absl::string_view line : absl::StrSplit(*stat, '\n')) {
    double btime = 0;
    if (absl::ConsumePrefix(&line, "btime ") &&
        absl::SimpleAtod(line, &btime)) {
      return btime;
    }
  }
  return 0;
}

}  // namespace

std::optional<ProcessStats> ParseProcStat(absl::string_view stat,
                                          double boot_time_seconds,
                                          double ticks_per_second,
                                          double page_bytes) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so
  // the fields are counted from the last ')'. Field 3 (state) is rest[0].
  size_t close = stat.rfind(')');
  if (close == absl::string_view::npos) return std::nullopt;
  std::vector<absl::string_view> rest = absl::StrSplit(
      stat.substr(close + 1), absl::ByAnyChar(" \n"), absl::SkipEmpty());
  // Fields 14 utime, 15 stime, 22 starttime, 23 vsize, 24 rss.
  auto field = [&rest](int n, double* out) {
    size_t i = static_cast<size_t>(n - 3);
    return i < rest.size() && absl::SimpleAtod(rest[i], out);
  };
  double utime, stime, start, vsize, rss;
  if (!field(14, &utime) || !field(15, &stime) || !field(22, &start) ||
      !field(23, &vsize) || !field(24, &rss) || ticks_per_second <= 0) {
    return std::nullopt;
  }
  ProcessStats stats;
  stats.cpu_seconds = (utime + stime) / ticks_per_second;
  stats.start_time_seconds = boot_time_seconds + start / ticks_per_second;
  stats.virtual_bytes = vsize;
  stats.resident_bytes = rss * page_bytes;
  return stats;
}

std::optional<ProcessStats> ReadProcessStats() {
  std::optional<std::string> stat = ReadSmallFile("/proc/self/stat");
  if (!stat) return std::nullopt;
  std::optional<ProcessStats> stats = ParseProcStat(
      *stat, BootTimeSeconds(), static_cast<double>(sysconf(_SC_CLK_TCK)),
      static_cast<double>(sysconf(_SC_PAGESIZE)));
  if (!stats) return std::nullopt;
  std::error_code ec;
  double fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end;
       !ec && it != end; it.increment(ec)) {
    ++fds;
  }
  stats->open_fds = fds;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0)
    stats->max_fds = static_cast<double>(limit.rlim_cur);
  return stats;
}

}  // namespace kaiku::metrics
