// A reader of comma-separated files with a header line (RFC 4180: fields may
// be quoted, a quote inside a quoted field is doubled; no newlines inside
// fields). The datasets of ../shared/data/ are in this form.
//
//   ASSIGN_OR_RETURN(CsvReader reader, CsvReader::Open(in, "train.csv",
//                                                      {"user_id",
//                                                      "timestamp"}));
//   while (reader.Next()) {
//     absl::string_view user = reader.Field(0);  // columns in the asked order
//   }
//   RETURN_IF_ERROR(reader.status());
//
// Errors name the source, the line and the column ("train.csv:17: timestamp:
// ..."): see Error().
#ifndef KAIKU_LIB_REPLAY_CSV_H_
#define KAIKU_LIB_REPLAY_CSV_H_

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kaiku::replay {

// Splits one CSV line into fields (quotes removed). INVALID_ARGUMENT for an
// unterminated quote.
absl::StatusOr<std::vector<std::string>> SplitCsvLine(absl::string_view line);

class CsvReader {
 public:
  // Reads the header line and finds `columns` in it (any order, extra columns
  // ignored). INVALID_ARGUMENT naming the first missing column. `in` must
  // outlive the reader.
  static absl::StatusOr<CsvReader> Open(
      std::istream& in, std::string source,
      const std::vector<std::string>& columns);

  // Reads the next non-blank row; false at the end or on an error (then
  // status() says which).
  bool Next();
  // The value of the i-th of the columns given to Open, in the current row.
  absl::string_view Field(int i) const { return row_[index_[i]]; }
  // 1-based line number of the current row.
  int64_t line() const { return line_; }
  const absl::Status& status() const { return status_; }

  // INVALID_ARGUMENT "<source>:<line>: <column>: <what>", for a bad value of
  // the i-th column in the current row.
  absl::Status Error(int i, absl::string_view what) const;

 private:
  CsvReader(std::istream& in, std::string source)
      : in_(&in), source_(std::move(source)) {}

  std::istream* in_;
  std::string source_;
  std::vector<std::string> names_;  // the asked columns
  std::vector<int> index_;          // their positions in a row
  std::vector<std::string> row_;
  int64_t line_ = 0;
  absl::Status status_;
};

}  // namespace kaiku::replay

#endif  // KAIKU_LIB_REPLAY_CSV_H_
