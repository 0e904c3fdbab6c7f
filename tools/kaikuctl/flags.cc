#include "tools/kaikuctl/flags.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace kaiku::kaikuctl {

std::string Args::Get(const std::string& name, const std::string& fallback,
                      const char* env) const {
  auto it = flags.find(name);
  if (it != flags.end()) return it->second;
  if (env != nullptr) {
    const char* value = std::getenv(env);
    if (value != nullptr && *value != '\0') return value;
  }
  return fallback;
}

absl::StatusOr<Args> ParseArgs(int argc, char** argv,
                               const std::vector<std::string>& known,
                               const std::vector<std::string>& switches) {
  Args args;
  auto contains = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!absl::StartsWith(arg, "--") || arg == "-") {
      args.positional.push_back(arg);
      continue;
    }
    std::string name = arg, value;
    size_t eq = arg.find('=');
    bool has_value = eq != std::string::npos;
    if (has_value) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (contains(switches, name)) {
      args.flags[name] = has_value ? value : "true";
      continue;
    }
    if (!contains(known, name)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", name));
    }
    if (!has_value) {
      if (i + 1 >= argc)
        return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
      value = argv[++i];
    }
    args.flags[name] = value;
  }
  return args;
}

}  // namespace kaiku::kaikuctl
