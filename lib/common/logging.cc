#include "lib/common/logging.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace kaiku {
namespace {

std::atomic<int> min_severity{static_cast<int>(LogSeverity::kInfo)};

constexpr char kSeverityLetters[] = "IWEF";

absl::string_view Basename(absl::string_view path) {
  size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

void SetMinLogSeverity(LogSeverity severity) {
  min_severity.store(static_cast<int>(severity), std::memory_order_relaxed);
}

LogSeverity MinLogSeverity() {
  return static_cast<LogSeverity>(min_severity.load(std::memory_order_relaxed));
}

bool ParseLogSeverity(absl::string_view text, LogSeverity* severity) {
  std::string lower = absl::AsciiStrToLower(text);
  if (lower == "info") {
    *severity = LogSeverity::kInfo;
  } else if (lower == "warning") {
    *severity = LogSeverity::kWarning;
  } else if (lower == "error") {
    *severity = LogSeverity::kError;
  } else if (lower == "fatal") {
    *severity = LogSeverity::kFatal;
  } else {
    return false;
  }
  return true;
}

namespace logging_internal {

LogMessage::LogMessage(const char* file, int line, LogSeverity severity)
    : file_(file), line_(line), severity_(severity) {}

LogMessage::~LogMessage() {
  // Logging is outside lib/'s injected-time rule: a log line's stamp is wall
  // time by nature.
  std::string line = absl::StrFormat(
      "%c%s %s:%d] %s\n", kSeverityLetters[static_cast<int>(severity_)],
      absl::FormatTime("%m%d %H:%M:%E6S", absl::Now(), absl::UTCTimeZone()),
      Basename(file_), line_, stream_.str());
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, data, left);
    if (n <= 0) break;
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (severity_ == LogSeverity::kFatal) std::abort();
}

}  // namespace logging_internal
}  // namespace kaiku
