#include "lib/storage/checkpoint_erasure.h"

#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "lib/storage/store.h"

namespace kaiku::storage {
namespace {

absl::StatusOr<bool> EraseFromOne(const std::string& path,
                                  absl::string_view tenant,
                                  absl::string_view visitor_id) {
  StoreOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  if (!store.ok()) return store.status();
  absl::StatusOr<int64_t> erased = (*store)->EraseVisitor(tenant, visitor_id);
  if (!erased.ok()) return erased.status();
  absl::Status purged = (*store)->PurgeErased();
  if (!purged.ok()) return purged;
  return *erased > 0;
}

}  // namespace

absl::StatusOr<int> EraseFromCheckpoints(const std::string& dir,
                                         absl::string_view tenant,
                                         absl::string_view visitor_id) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return 0;
  int held = 0;
  absl::Status first_error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_directory() ||
        !std::filesystem::exists(entry.path() / "CURRENT"))
      continue;
    absl::StatusOr<bool> erased =
        EraseFromOne(entry.path().string(), tenant, visitor_id);
    if (erased.ok()) {
      held += *erased ? 1 : 0;
    } else if (first_error.ok()) {
      first_error =
          absl::Status(erased.status().code(),
                       absl::StrCat("checkpoint ", entry.path().string(), ": ",
                                    erased.status().message()));
    }
  }
  if (ec)
    return absl::UnavailableError(
        absl::StrCat("cannot list checkpoints in ", dir, ": ", ec.message()));
  if (!first_error.ok()) return first_error;
  return held;
}

}  // namespace kaiku::storage
