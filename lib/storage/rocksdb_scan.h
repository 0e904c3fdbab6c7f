// Iterators over the RocksDB store's column families (rocksdb_store.cc,
// rocksdb_erasure.cc, rocksdb_offline_reads.cc). Internal to lib/storage.
#ifndef KAIKU_LIB_STORAGE_ROCKSDB_SCAN_H_
#define KAIKU_LIB_STORAGE_ROCKSDB_SCAN_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "lib/storage/key_codec.h"
#include "rocksdb/db.h"

namespace kaiku::storage {

// An iterator over one visitor's timeline keys and nothing else (upper-bounded
// to the visitor's prefix). Not movable: the read bound points into the object.
class VisitorScan {
 public:
  VisitorScan(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* timeline,
              absl::string_view tenant, absl::string_view visitor_id)
      : prefix_(TimelineVisitorPrefix(tenant, visitor_id)),
        upper_(PrefixSuccessor(prefix_)),
        upper_slice_(upper_) {
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice_;
    // One visitor prefix (visitor_prefix.h): files and memtables without it
    // are skipped by their prefix bloom filters.
    ro.prefix_same_as_start = true;
    it_.reset(db->NewIterator(ro, timeline));
  }
  VisitorScan(const VisitorScan&) = delete;
  VisitorScan& operator=(const VisitorScan&) = delete;

  const std::string& prefix() const { return prefix_; }
  rocksdb::Iterator* operator->() const { return it_.get(); }

 private:
  const std::string prefix_;
  const std::string upper_;
  const rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// An iterator bounded above by `upper` (not movable: the bound points into it).
class BoundedScan {
 public:
  BoundedScan(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
              std::string upper)
      : upper_(std::move(upper)), upper_slice_(upper_) {
    rocksdb::ReadOptions ro;
    // Scans cross visitors: the timeline's prefix filters must not apply.
    ro.total_order_seek = true;
    if (!upper_.empty()) ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(ro, cf));
  }
  BoundedScan(const BoundedScan&) = delete;
  BoundedScan& operator=(const BoundedScan&) = delete;
  rocksdb::Iterator* operator->() const { return it_.get(); }

 private:
  const std::string upper_;
  const rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

inline absl::string_view View(const rocksdb::Slice& s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace kaiku::storage

#endif  // KAIKU_LIB_STORAGE_ROCKSDB_SCAN_H_
