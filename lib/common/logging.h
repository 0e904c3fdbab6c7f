// A small logging layer under Abseil's upstream names (LOG(INFO), LOG(WARNING),
// LOG(ERROR), LOG(FATAL), CHECK), since abseil 20220623 has no absl/log.
//
// Each message is one line on stderr, written with a single write() so that
// lines from concurrent threads never interleave. Text (the default):
//   I1124 10:15:02.123456 kaikud.cc:88] listening on 127.0.0.1:50051
// or JSON, one object per line, for log collectors:
//   {"time":"2026-11-24T10:15:02.123456Z","level":"info",
//    "source":"kaikud.cc:88","message":"listening on 127.0.0.1:50051"}
// LOG(FATAL) and a failed CHECK abort after writing.
//
// Thread safety: safe from any thread.
#ifndef KAIKU_LIB_COMMON_LOGGING_H_
#define KAIKU_LIB_COMMON_LOGGING_H_

#include <sstream>
#include <string>

#include "absl/base/attributes.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace kaiku {

enum class LogSeverity { kInfo = 0, kWarning = 1, kError = 2, kFatal = 3 };

// Messages below this severity are dropped. Default: kInfo.
void SetMinLogSeverity(LogSeverity severity);
LogSeverity MinLogSeverity();

// Parses "info", "warning", "error" or "fatal" (any case). Returns false
// otherwise.
bool ParseLogSeverity(absl::string_view text, LogSeverity* severity);

enum class LogFormat { kText = 0, kJson = 1 };

// Default: kText.
void SetLogFormat(LogFormat format);

// Parses "text" or "json". Returns false otherwise.
bool ParseLogFormat(absl::string_view text, LogFormat* format);

// The JSON line of one message, with its newline.
std::string FormatJsonLogLine(absl::Time time, LogSeverity severity,
                              absl::string_view source,
                              absl::string_view message);

namespace logging_internal {

class LogMessage {
 public:
  LogMessage(const char* file, int line, LogSeverity severity);
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  ~LogMessage();

  std::ostream& stream() { return stream_; }

 private:
  const char* file_;
  int line_;
  LogSeverity severity_;
  std::ostringstream stream_;
};

// Makes the `LOG(...) << x` expression void in the ternary of the LOG macros.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace logging_internal
}  // namespace kaiku

#define KAIKU_LOG_SEVERITY_INFO ::kaiku::LogSeverity::kInfo
#define KAIKU_LOG_SEVERITY_WARNING ::kaiku::LogSeverity::kWarning
#define KAIKU_LOG_SEVERITY_ERROR ::kaiku::LogSeverity::kError
#define KAIKU_LOG_SEVERITY_FATAL ::kaiku::LogSeverity::kFatal

#define LOG(severity)                                              \
  (KAIKU_LOG_SEVERITY_##severity < ::kaiku::MinLogSeverity())      \
      ? (void)0                                                    \
      : ::kaiku::logging_internal::Voidify() &                     \
            ::kaiku::logging_internal::LogMessage(                 \
                __FILE__, __LINE__, KAIKU_LOG_SEVERITY_##severity) \
                .stream()

#define CHECK(condition)                                          \
  (ABSL_PREDICT_TRUE(condition))                                  \
      ? (void)0                                                   \
      : ::kaiku::logging_internal::Voidify() &                    \
            ::kaiku::logging_internal::LogMessage(                \
                __FILE__, __LINE__, ::kaiku::LogSeverity::kFatal) \
                    .stream()                                     \
                << "Check failed: " #condition " "

#endif  // KAIKU_LIB_COMMON_LOGGING_H_
