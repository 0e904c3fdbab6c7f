#include "lib/replay/csv.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace kaiku::replay {

absl::StatusOr<std::vector<std::string>> SplitCsvLine(absl::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) return absl::InvalidArgumentError("unterminated quoted field");
  return fields;
}

absl::StatusOr<CsvReader> CsvReader::Open(
    std::istream& in, std::string source,
    const std::vector<std::string>& columns) {
  CsvReader reader(in, std::move(source));
  std::string header;
  if (!std::getline(in, header)) {
    return absl::InvalidArgumentError(
        absl::StrCat(reader.source_, ": empty file, expected a header line"));
  }
  reader.line_ = 1;
  absl::StatusOr<std::vector<std::string>> names =
      SplitCsvLine(absl::StripTrailingAsciiWhitespace(header));
  if (!names.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(reader.source_, ":1: ", names.status().message()));
  }
  for (const std::string& column : columns) {
    int found = -1;
    for (size_t i = 0; i < names->size(); ++i) {
      if (absl::StripAsciiWhitespace((*names)[i]) == column) {
        found = static_cast<int>(i);
        break;
      }
    }
    if (found < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          reader.source_, ":1: no column \"", column, "\" in the header"));
    }
    reader.names_.push_back(column);
    reader.index_.push_back(found);
  }
  return reader;
}

bool CsvReader::Next() {
  if (!status_.ok()) return false;
  std::string text;
  while (std::getline(*in_, text)) {
    ++line_;
    absl::string_view line = absl::StripTrailingAsciiWhitespace(text);
    if (line.empty()) continue;
    absl::StatusOr<std::vector<std::string>> fields = SplitCsvLine(line);
    if (!fields.ok()) {
      status_ = absl::InvalidArgumentError(
          absl::StrCat(source_, ":", line_, ": ", fields.status().message()));
      return false;
    }
    for (size_t i = 0; i < index_.size(); ++i) {
      if (index_[i] >= static_cast<int>(fields->size())) {
        status_ = absl::InvalidArgumentError(absl::StrCat(
            source_, ":", line_, ": ", names_[i], ": missing (the row has ",
            fields->size(), " fields)"));
        return false;
      }
    }
    row_ = *std::move(fields);
    return true;
  }
  return false;
}

absl::Status CsvReader::Error(int i, absl::string_view what) const {
  return absl::InvalidArgumentError(
      absl::StrCat(source_, ":", line_, ": ", names_[i], ": ", what));
}

}  // namespace kaiku::replay
