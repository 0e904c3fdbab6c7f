#include "lib/storage/visitor_prefix.h"

#include <cstdint>

namespace kaiku::storage {
namespace {

// Length of the visitor prefix of `key`, or 0 when it has none.
size_t VisitorPrefixLength(const rocksdb::Slice& key) {
  if (key.size() < 1) return 0;
  const size_t tenant = 1 + static_cast<uint8_t>(key[0]);
  if (key.size() < tenant + 1) return 0;
  const size_t both = tenant + 1 + static_cast<uint8_t>(key[tenant]);
  return key.size() >= both ? both : 0;
}

class VisitorPrefixExtractor : public rocksdb::SliceTransform {
 public:
  // Renaming it makes RocksDB ignore the prefix filters of existing files.
  const char* Name() const override { return "kaiku.VisitorPrefix.v1"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), VisitorPrefixLength(key));
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return VisitorPrefixLength(key) > 0;
  }
};

}  // namespace

std::shared_ptr<const rocksdb::SliceTransform> NewVisitorPrefixExtractor() {
  return std::make_shared<VisitorPrefixExtractor>();
}

}  // namespace kaiku::storage
