#include "lib/scoring/model_loader.h"

#include <vector>

#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "lib/common/logging.h"
#include "lib/common/status_macros.h"
#include "lib/config/text_proto.h"

namespace kaiku::scoring {

absl::StatusOr<std::shared_ptr<const Model>> ParseModel(
    absl::string_view text, absl::string_view source) {
  kaiku::config::v1::ScoringModel proto;
  google::protobuf::TextFormat::ParseInfoTree locations;
  RETURN_IF_ERROR(
      kaiku::config::ParseTextProto(text, source, &proto, &locations));
  std::vector<ModelProblem> problems = ValidateModel(proto);
  if (!problems.empty()) {
    std::vector<std::string> messages;
    for (const ModelProblem& p : problems) {
      messages.push_back(kaiku::config::FieldMessage(source, locations, proto,
                                                     p.field, p.what));
    }
    return absl::InvalidArgumentError(absl::StrJoin(messages, "; "));
  }
  return Model::Compile(proto);
}

absl::StatusOr<std::shared_ptr<const Model>> LoadModelFile(
    const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, kaiku::config::ReadTextFile(path));
  return ParseModel(text, path);
}

std::shared_ptr<const Model> DefaultModel() {
  absl::StatusOr<std::shared_ptr<const Model>> model =
      ParseModel(DefaultModelText(), "deploy/config/model.textproto");
  CHECK(model.ok()) << model.status();
  return *std::move(model);
}

}  // namespace kaiku::scoring
