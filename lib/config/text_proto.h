// Protobuf text format files (the config file, the scoring model) with errors
// that point at the line.
//
//   google::protobuf::TextFormat::ParseInfoTree locations;
//   RETURN_IF_ERROR(ParseTextProto(text, "model.textproto", &model,
//   &locations));
//   ... validation finds that "signals[2].half_life" is wrong ...
//   return absl::InvalidArgumentError(
//       FieldMessage("model.textproto", locations, model,
//       "signals[2].half_life",
//                    "must be positive"));
//   // -> "model.textproto:31:5: signals[2].half_life: must be positive"
#ifndef KAIKU_LIB_CONFIG_TEXT_PROTO_H_
#define KAIKU_LIB_CONFIG_TEXT_PROTO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace kaiku::config {

// Parses `text` into `message` (cleared first). Syntax errors and unknown
// fields are INVALID_ARGUMENT "source:line:column: what", every error joined.
// `locations` (optional) receives where each field was set.
absl::Status ParseTextProto(
    absl::string_view text, absl::string_view source,
    google::protobuf::Message* message,
    google::protobuf::TextFormat::ParseInfoTree* locations = nullptr);

// Reads the file; INVALID_ARGUMENT naming it when it cannot be read.
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

// "source:line:column: field_path: what" for a field path such as
// "signals[2].half_life" or "levels.hot.enter" of `message` as parsed with
// `locations`. Where the field was not set in the text the position is that of
// its nearest parent that was (or omitted at the top level).
std::string FieldMessage(
    absl::string_view source,
    const google::protobuf::TextFormat::ParseInfoTree& locations,
    const google::protobuf::Message& message, absl::string_view field_path,
    absl::string_view what);

}  // namespace kaiku::config

#endif  // KAIKU_LIB_CONFIG_TEXT_PROTO_H_
