#include "lib/config/text_proto.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"

namespace kaiku::config {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::TextFormat;

class CollectErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit CollectErrors(absl::string_view source) : source_(source) {}
  void AddError(int line, int column, const std::string& message) override {
    errors_.push_back(
        absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, int column, const std::string& message) override {
    AddError(line, column, message);
  }
  std::string Joined() const { return absl::StrJoin(errors_, "; "); }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

// One step of a field path: "signals[2]" is {"signals", 2}.
struct PathStep {
  std::string name;
  int index = -1;
};

std::vector<PathStep> ParsePath(absl::string_view path) {
  std::vector<PathStep> steps;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    PathStep step;
    size_t bracket = part.find('[');
    step.name = std::string(part.substr(0, bracket));
    if (bracket != absl::string_view::npos) {
      absl::string_view digits = part.substr(bracket + 1);
      digits.remove_suffix(digits.empty() || digits.back() != ']' ? 0 : 1);
      if (!absl::SimpleAtoi(digits, &step.index)) step.index = -1;
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace

absl::Status ParseTextProto(absl::string_view text, absl::string_view source,
                            google::protobuf::Message* message,
                            TextFormat::ParseInfoTree* locations) {
  CollectErrors errors(source);
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (locations != nullptr) parser.WriteLocationsTo(locations);
  if (!parser.ParseFromString(std::string(text), message)) {
    return absl::InvalidArgumentError(errors.Joined());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string FieldMessage(absl::string_view source,
                         const TextFormat::ParseInfoTree& locations,
                         const google::protobuf::Message& message,
                         absl::string_view field_path, absl::string_view what) {
  const Descriptor* descriptor = message.GetDescriptor();
  const TextFormat::ParseInfoTree* tree = &locations;
  std::optional<TextFormat::ParseLocation> found;
  for (const PathStep& step : ParsePath(field_path)) {
    if (descriptor == nullptr || tree == nullptr) break;
    const FieldDescriptor* field = descriptor->FindFieldByName(step.name);
    if (field == nullptr) break;
    const int index = field->is_repeated() ? std::max(step.index, 0) : -1;
    TextFormat::ParseLocation location = tree->GetLocation(field, index);
    if (location.line < 0) break;
    found = location;
    if (field->type() != FieldDescriptor::TYPE_MESSAGE) break;
    tree = tree->GetTreeForNested(field, index);
    descriptor = field->message_type();
  }
  if (!found.has_value()) {
    return absl::StrCat(source, ": ", field_path, ": ", what);
  }
  return absl::StrCat(source, ":", found->line + 1, ":", found->column + 1,
                      ": ", field_path, ": ", what);
}

}  // namespace kaiku::config
