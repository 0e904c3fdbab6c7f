// Loading the scoring model file (protobuf text format of
// kaiku.config.v1.ScoringModel), with errors that name file, line and field:
//
//   model.textproto:31:5: signals[2].half_life: must be 0 (no decay) or at
//   least 1 s
//
// Every problem is reported, joined with "; ".
#ifndef KAIKU_LIB_SCORING_MODEL_LOADER_H_
#define KAIKU_LIB_SCORING_MODEL_LOADER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/scoring/model.h"

namespace kaiku::scoring {

// Parses, validates and compiles model text; `source` names it in errors.
// Errors: INVALID_ARGUMENT.
absl::StatusOr<std::shared_ptr<const Model>> ParseModel(
    absl::string_view text, absl::string_view source);

// Reads and parses a model file.
absl::StatusOr<std::shared_ptr<const Model>> LoadModelFile(
    const std::string& path);

// The default model (deploy/config/model.textproto, built into the binary).
absl::string_view DefaultModelText();
std::shared_ptr<const Model> DefaultModel();

}  // namespace kaiku::scoring

#endif  // KAIKU_LIB_SCORING_MODEL_LOADER_H_
