#include "tools/baselines/rocksdb_writer.h"

#include "absl/strings/str_cat.h"
#include "lib/storage/key_codec.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace kaiku::baselines {
namespace {

class RocksDbWriter : public Writer {
 public:
  RocksDbWriter(std::unique_ptr<rocksdb::DB> db, KeyLayout layout)
      : db_(std::move(db)), layout_(layout) {}
  ~RocksDbWriter() override { db_->Close().PermitUncheckedError(); }

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
      }
      batch.Put(key_, r.payload).PermitUncheckedError();
    }
    rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) return absl::UnavailableError(s.ToString());
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  const KeyLayout layout_;
  std::string key_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Writer>> OpenRocksDbWriter(
    const std::string& path, KeyLayout layout) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &db);
  if (!s.ok())
    return absl::UnavailableError(
        absl::StrCat("opening RocksDB at ", path, ": ", s.ToString()));
  return std::make_unique<RocksDbWriter>(std::unique_ptr<rocksdb::DB>(db),
                                         layout);
}

}  // namespace kaiku::baselines
