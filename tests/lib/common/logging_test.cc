#include "lib/common/logging.h"

#include "gtest/gtest.h"

namespace kaiku {
namespace {

TEST(LoggingTest, JsonLinesEscapeTheMessage) {
  const std::string line = FormatJsonLogLine(
      absl::FromUnixMicros(1795516353123456), LogSeverity::kWarning,
      "server.cc:88", "tab\there \"quoted\" back\\slash\nnewline \x01");
  EXPECT_EQ(line,
            "{\"time\":\"2026-11-24T10:32:33.123456Z\",\"level\":\"warning\","
            "\"source\":\"server.cc:88\",\"message\":\"tab\\there "
            "\\\"quoted\\\" back\\\\slash\\nnewline \\u0001\"}\n");
}

TEST(LoggingTest, ParsesFormatsAndSeverities) {
  LogFormat format;
  EXPECT_TRUE(ParseLogFormat("JSON", &format));
  EXPECT_EQ(format, LogFormat::kJson);
  EXPECT_TRUE(ParseLogFormat("text", &format));
  EXPECT_EQ(format, LogFormat::kText);
  EXPECT_FALSE(ParseLogFormat("xml", &format));
  LogSeverity severity;
  EXPECT_TRUE(ParseLogSeverity("Warning", &severity));
  EXPECT_EQ(severity, LogSeverity::kWarning);
  EXPECT_FALSE(ParseLogSeverity("loud", &severity));
}

}  // namespace
}  // namespace kaiku
