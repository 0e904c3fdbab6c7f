// A fresh directory per test, removed with everything in it when the object
// goes away.
#ifndef KAIKU_TESTS_TESTING_TEMP_DIR_H_
#define KAIKU_TESTS_TESTING_TEMP_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace kaiku::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string tmpl =
        std::string(base != nullptr ? base : "/tmp") + "/kaiku-test-XXXXXX";
    char* made = ::mkdtemp(tmpl.data());
    if (made != nullptr) path_ = made;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace kaiku::testing

#endif  // KAIKU_TESTS_TESTING_TEMP_DIR_H_
