// kaikuctl's command-line options: `--name=value` or `--name value`, with
// environment fallbacks, written by hand because the CLI's names (--api-key)
// have dashes.
#ifndef KAIKU_TOOLS_KAIKUCTL_FLAGS_H_
#define KAIKU_TOOLS_KAIKUCTL_FLAGS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace kaiku::kaikuctl {

struct Args {
  std::vector<std::string> positional;  // the command and its arguments
  std::map<std::string, std::string>
      flags;  // "--name" -> value ("true" for a bare switch)

  // The flag's value, else the environment variable `env` (if named), else
  // `fallback`.
  std::string Get(const std::string& name, const std::string& fallback,
                  const char* env = nullptr) const;
  bool Has(const std::string& name) const { return flags.count(name) > 0; }
};

// `switches` take no value. Any other flag needs one. INVALID_ARGUMENT for an
// unknown flag (not in `known` or `switches`) or a missing value.
absl::StatusOr<Args> ParseArgs(int argc, char** argv,
                               const std::vector<std::string>& known,
                               const std::vector<std::string>& switches);

}  // namespace kaiku::kaikuctl

#endif  // KAIKU_TOOLS_KAIKUCTL_FLAGS_H_
