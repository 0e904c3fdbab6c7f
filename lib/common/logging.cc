#include "lib/common/logging.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace kaiku {
namespace {

std::atomic<int> min_severity{static_cast<int>(LogSeverity::kInfo)};

std::atomic<int> log_format{static_cast<int>(LogFormat::kText)};

constexpr char kSeverityLetters[] = "IWEF";
constexpr const char* kSeverityNames[] = {"info", "warning", "error", "fatal"};

// `text` as the contents of a JSON string (RFC 8259: quote, backslash and
// control characters escaped; other bytes as they are).
void AppendJsonString(absl::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", static_cast<int>(c));
        } else {
          out->push_back(c);
        }
    }
  }
}

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

void SetLogFormat(LogFormat format) {
  log_format.store(static_cast<int>(format), std::memory_order_relaxed);
}

bool ParseLogFormat(absl::string_view text, LogFormat* format) {
  std::string lower = absl::AsciiStrToLower(text);
  if (lower == "text") {
    *format = LogFormat::kText;
  } else if (lower == "json") {
    *format = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

std::string FormatJsonLogLine(absl::Time time, LogSeverity severity,
                              absl::string_view source,
                              absl::string_view message) {
  std::string line = absl::StrCat(
      "{\"time\":\"",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone()),
      "\",\"level\":\"", kSeverityNames[static_cast<int>(severity)],
      "\",\"source\":\"");
  AppendJsonString(source, &line);
  line.append("\",\"message\":\"");
  AppendJsonString(message, &line);
  line.append("\"}\n");
  return line;
}

namespace logging_internal {

LogMessage::LogMessage(const char* file, int line, LogSeverity severity)
    : file_(file), line_(line), severity_(severity) {}

LogMessage::~LogMessage() {
  // Logging is outside lib/'s injected-time rule: a log line's stamp is wall
  // time by nature.
  const absl::Time now = absl::Now();
  std::string line;
  if (log_format.load(std::memory_order_relaxed) ==
      static_cast<int>(LogFormat::kJson)) {
    line = FormatJsonLogLine(now, severity_,
                             absl::StrCat(Basename(file_), ":", line_),
                             stream_.str());
  } else {
    line = absl::StrFormat(
        "%c%s %s:%d] %s\n", kSeverityLetters[static_cast<int>(severity_)],
        absl::FormatTime("%m%d %H:%M:%E6S", now, absl::UTCTimeZone()),
        Basename(file_), line_, stream_.str());
  }
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
