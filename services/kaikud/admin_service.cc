#include "services/kaikud/admin_service.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/logging.h"
#include "lib/common/names.h"
#include "services/kaikud/call_auth.h"
#include "services/kaikud/grpc_status.h"

namespace kaiku::kaikud {
namespace {

// Also a directory name: never "." or "..".
bool ValidCheckpointName(const std::string& name) {
  return IsSimpleName(name) && name[0] != '.';
}

int64_t DirectoryBytes(const std::filesystem::path& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      uintmax_t size = it->file_size(size_ec);
      if (!size_ec) total += static_cast<int64_t>(size);
    }
  }
  return total;
}

}  // namespace

grpc::ServerUnaryReactor* AdminService::ReloadModel(
    grpc::CallbackServerContext* context, const kaiku::v1::ReloadModelRequest*,
    kaiku::v1::ReloadModelResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!AuthorizeUnaryCall(*context, *authenticator_, auth::Scope::kAdmin,
                          reactor)
           .has_value())
    return reactor;
  // Reads a file: off the gRPC threads.
  RunOnPool(*work_, reactor, [this, reactor, response] {
    absl::StatusOr<ModelReloader::Reloaded> reloaded = reloader_->Reload();
    if (!reloaded.ok()) {
      reactor->Finish(ToGrpcStatus(reloaded.status()));
      return;
    }
    response->set_model_version(reloaded->version);
    response->set_previous_version(reloaded->previous_version);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::CreateCheckpoint(
    grpc::CallbackServerContext* context,
    const kaiku::v1::CreateCheckpointRequest* request,
    kaiku::v1::CreateCheckpointResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!AuthorizeUnaryCall(*context, *authenticator_, auth::Scope::kAdmin,
                          reactor)
           .has_value())
    return reactor;
  std::string name = request->name();
  if (name.empty()) {
    name = absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone());
  }
  if (!ValidCheckpointName(name)) {
    reactor->Finish(grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        "name: must be 1..64 of [A-Za-z0-9_.-], not starting with a dot"));
    return reactor;
  }
  // Flushes memtables and links files: off the gRPC threads.
  RunOnPool(*work_, reactor, [this, reactor, response, name] {
    const std::filesystem::path dir = std::filesystem::absolute(
        std::filesystem::path(checkpoint_dir_) / name);
    std::error_code ec;
    std::filesystem::create_directories(dir.parent_path(), ec);
    if (std::filesystem::exists(dir, ec)) {
      reactor->Finish(grpc::Status(
          grpc::StatusCode::ALREADY_EXISTS,
          absl::StrCat("name: checkpoint ", dir.string(), " exists")));
      return;
    }
    absl::Status written = store_->Checkpoint(dir.string());
    if (!written.ok()) {
      LOG(ERROR) << "checkpoint " << dir.string() << " failed: " << written;
      reactor->Finish(ToGrpcStatus(written));
      return;
    }
    response->set_path(dir.string());
    response->set_size_bytes(DirectoryBytes(dir));
    LOG(INFO) << "checkpoint written to " << dir.string() << " ("
              << response->size_bytes() << " bytes)";
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace kaiku::kaikud
