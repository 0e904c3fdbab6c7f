#include "tools/baselines/rocksdb_writer.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/storage/key_codec.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace kaiku::baselines {
namespace {

class RocksDbWriter : public Writer {
 public:
  RocksDbWriter(std::unique_ptr<rocksdb::DB> db,
                std::vector<rocksdb::ColumnFamilyHandle*> handles,
                KeyLayout layout)
      : db_(std::move(db)), handles_(std::move(handles)), layout_(layout) {}
  ~RocksDbWriter() override {
    for (rocksdb::ColumnFamilyHandle* h : handles_)
      db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
  }

  absl::Status Write(absl::Span<const Record> records) override {
    rocksdb::WriteBatch batch;
    for (const Record& r : records) {
      switch (layout_) {
        case KeyLayout::kVisitorFirst:
          key_ = storage::TimelineKey(r.tenant, r.visitor_id, r.occurred_micros,
                                      r.event_id);
          break;
        case KeyLayout::kDayBucketed: {
          key_ = storage::TenantPrefix(r.tenant);
          const uint32_t day =
              static_cast<uint32_t>(r.occurred_micros / 86400000000);
          for (int shift = 24; shift >= 0; shift -= 8)
            key_.push_back(static_cast<char>((day >> shift) & 0xff));
          key_ += storage::TenantPrefix(r.visitor_id);  // length-prefixed too
          storage::AppendTimeMicros(r.occurred_micros, &key_);
          key_ += r.event_id;
          break;
        }
        case KeyLayout::kTimeFirst:
          key_ = storage::TenantPrefix(r.tenant);
          storage::AppendTimeMicros(r.occurred_micros, &key_);
          key_ += storage::TenantPrefix(r.visitor_id);  // length-prefixed too
          key_ += r.event_id;
          break;
        case KeyLayout::kLogAndIndex: {
          const std::string position = storage::EncodeSequence(++sequence_);
          batch.Put(handles_[1], position, r.payload).PermitUncheckedError();
          batch
              .Put(handles_[2],
                   storage::TimelineKey(r.tenant, r.visitor_id,
                                        r.occurred_micros, r.event_id),
                   position)
              .PermitUncheckedError();
          continue;
        }
      }
      batch.Put(key_, r.payload).PermitUncheckedError();
    }
    rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) return absl::UnavailableError(s.ToString());
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  const std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  const KeyLayout layout_;
  std::string key_;
  uint64_t sequence_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Writer>> OpenRocksDbWriter(
    const std::string& path, KeyLayout layout) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()}};
  if (layout == KeyLayout::kLogAndIndex) {
    families.push_back({"log", rocksdb::ColumnFamilyOptions()});
    families.push_back({"index", rocksdb::ColumnFamilyOptions()});
  }
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s = rocksdb::DB::Open(options, path, families, &handles, &db);
  if (!s.ok())
    return absl::UnavailableError(
        absl::StrCat("opening RocksDB at ", path, ": ", s.ToString()));
  return std::make_unique<RocksDbWriter>(std::unique_ptr<rocksdb::DB>(db),
                                         std::move(handles), layout);
}

}  // namespace kaiku::baselines
