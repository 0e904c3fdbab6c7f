// RocksDB implementation of Store. Column families and key layouts:
// key_codec.h.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "kaiku/storage/v1/records.pb.h"
#include "lib/common/status_macros.h"
#include "lib/storage/expiry_filter.h"
#include "lib/storage/key_codec.h"
#include "lib/storage/rocksdb_status.h"
#include "lib/storage/store.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace kaiku::storage {
namespace {

constexpr char kTimelineCf[] = "timeline";
constexpr char kDedupeCf[] = "dedupe";

int64_t EventTimeMicros(const kaiku::v1::Event& event) {
  return google::protobuf::util::TimeUtil::TimestampToMicroseconds(
      event.occurred_at());
}

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

class RocksBatch : public StoreBatch {
 public:
  RocksBatch(rocksdb::ColumnFamilyHandle* timeline,
             rocksdb::ColumnFamilyHandle* dedupe)
      : timeline_(timeline), dedupe_(dedupe) {}

  void PutEvent(absl::string_view tenant, const kaiku::v1::Event& event,
                int64_t received_at_micros) override {
    std::string key = TimelineKey(tenant, event.visitor_id(),
                                  EventTimeMicros(event), event.event_id());
    record_.Clear();
    *record_.mutable_event() = event;
    record_.set_received_at_micros(received_at_micros);
    record_.SerializeToString(&value_);
    batch_.Put(timeline_, key, value_).PermitUncheckedError();
    batch_
        .Put(dedupe_, DedupeKey(tenant, event.event_id()),
             DedupeValue(received_at_micros))
        .PermitUncheckedError();
    ++size_;
  }
  int size() const override { return size_; }

  rocksdb::WriteBatch* batch() { return &batch_; }

 private:
  rocksdb::ColumnFamilyHandle* const timeline_;
  rocksdb::ColumnFamilyHandle* const dedupe_;
  rocksdb::WriteBatch batch_;
  kaiku::storage::v1::TimelineRecord record_;  // reused to avoid allocations
  std::string value_;
  int size_ = 0;
};

class RocksStore : public Store {
 public:
  RocksStore(const StoreOptions& options)
      : options_(options),
        timeline_filter_("kaiku.TimelineExpiry", &TimelineEntryTime,
                         options.retention, options.clock),
        dedupe_filter_("kaiku.DedupeExpiry", &DedupeEntryTime,
                       options.dedupe_window, options.clock) {}

  ~RocksStore() override {
    if (db_ == nullptr) return;
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    db_->Close().PermitUncheckedError();
  }

  absl::Status OpenDb() {
    rocksdb::Options db_options;
    db_options.create_if_missing = true;
    db_options.create_missing_column_families = true;
    db_options.max_background_jobs = 2;
    db_options.bytes_per_sync = 1 << 20;
    db_options.info_log_level = rocksdb::WARN_LEVEL;
    db_options.keep_log_file_num = 3;

    cache_ =
        rocksdb::NewLRUCache(static_cast<size_t>(options_.block_cache_bytes));
    auto cf_options = [&](const rocksdb::CompactionFilter* filter,
                          bool point_lookups) {
      rocksdb::ColumnFamilyOptions cf;
      cf.write_buffer_size = static_cast<size_t>(options_.write_buffer_bytes);
      cf.compaction_filter = filter;
      cf.periodic_compaction_seconds = static_cast<uint64_t>(
          absl::ToInt64Seconds(options_.periodic_compaction));
      rocksdb::BlockBasedTableOptions table;
      table.block_cache = cache_;
      if (point_lookups) {
        // Most event ids are new: a bloom filter answers "not there" without a
        // disk read.
        table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
        cf.memtable_whole_key_filtering = true;
        cf.memtable_prefix_bloom_size_ratio = 0.02;
      }
      cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
      return cf;
    };
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
        {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
        {kTimelineCf, cf_options(&timeline_filter_, false)},
        {kDedupeCf, cf_options(&dedupe_filter_, true)},
    };
    rocksdb::DB* db = nullptr;
    RETURN_IF_ERROR(FromRocksStatus(
        rocksdb::DB::Open(db_options, options_.path, cfs, &handles_, &db),
        absl::StrCat("opening RocksDB at ", options_.path)));
    db_.reset(db);
    timeline_ = handles_[1];
    dedupe_ = handles_[2];
    return absl::OkStatus();
  }

  std::unique_ptr<StoreBatch> NewBatch() override {
    return std::make_unique<RocksBatch>(timeline_, dedupe_);
  }

  absl::Status Commit(StoreBatch* batch, bool sync) override {
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return FromRocksStatus(
        db_->Write(wo, static_cast<RocksBatch*>(batch)->batch()),
        "writing events");
  }

  absl::StatusOr<bool> ContainsEventId(absl::string_view tenant,
                                       absl::string_view event_id) override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), dedupe_,
                                 DedupeKey(tenant, event_id), &value);
    if (s.IsNotFound()) return false;
    RETURN_IF_ERROR(FromRocksStatus(s, "reading the dedupe index"));
    return true;
  }

  absl::StatusOr<TimelinePage> ReadTimeline(absl::string_view tenant,
                                            absl::string_view visitor_id,
                                            const TimelinePosition* after,
                                            int limit) override {
    VisitorScan it(db_.get(), timeline_, tenant, visitor_id);
    if (after == nullptr) {
      it->Seek(it.prefix());
    } else {
      std::string start = TimelineKey(
          tenant, visitor_id, after->event_time_micros, after->event_id);
      it->Seek(start);
      if (it->Valid() && it->key() == rocksdb::Slice(start)) it->Next();
    }
    TimelinePage page;
    kaiku::storage::v1::TimelineRecord record;
    for (; it->Valid(); it->Next()) {
      if (static_cast<int>(page.events.size()) == limit) {
        // More follow: the next page starts after the last event returned.
        const kaiku::v1::Event& last = page.events.back();
        page.next = TimelinePosition{EventTimeMicros(last), last.event_id()};
        break;
      }
      if (!record.ParseFromArray(it->value().data(),
                                 static_cast<int>(it->value().size()))) {
        return absl::DataLossError(
            absl::StrCat("unreadable timeline record of visitor ", visitor_id));
      }
      page.events.push_back(std::move(*record.mutable_event()));
    }
    RETURN_IF_ERROR(FromRocksStatus(it->status(), "reading a timeline"));
    return page;
  }

  absl::Status ForEachEventTime(absl::string_view tenant,
                                absl::string_view visitor_id,
                                absl::FunctionRef<void(int64_t)> fn) override {
    VisitorScan it(db_.get(), timeline_, tenant, visitor_id);
    for (it->Seek(it.prefix()); it->Valid(); it->Next()) {
      TimelineKeyParts parts;
      if (!DecodeTimelineKey(
              absl::string_view(it->key().data(), it->key().size()), &parts)) {
        return absl::DataLossError("malformed timeline key");
      }
      fn(parts.event_time_micros);
    }
    return FromRocksStatus(it->status(), "reading a timeline");
  }

  absl::StatusOr<int64_t> EraseVisitor(absl::string_view tenant,
                                       absl::string_view visitor_id) override {
    int64_t count = 0;
    RETURN_IF_ERROR(
        ForEachEventTime(tenant, visitor_id, [&](int64_t) { ++count; }));
    const std::string begin = TimelineVisitorPrefix(tenant, visitor_id);
    const std::string end = PrefixSuccessor(begin);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    RETURN_IF_ERROR(FromRocksStatus(db_->DeleteRange(wo, timeline_, begin, end),
                                    "erasing a visitor"));
    // Rewrite the files that held the range, so the data is physically gone now
    // rather than at the next natural compaction.
    rocksdb::Slice b(begin), e(end);
    rocksdb::CompactRangeOptions cro;
    cro.bottommost_level_compaction =
        rocksdb::BottommostLevelCompaction::kForce;
    RETURN_IF_ERROR(FromRocksStatus(db_->CompactRange(cro, timeline_, &b, &e),
                                    "compacting after erase"));
    return count;
  }

  absl::Status Flush() override {
    rocksdb::FlushOptions fo;
    return FromRocksStatus(db_->Flush(fo, handles_), "flushing memtables");
  }

 private:
  const StoreOptions options_;
  const ExpiryFilter timeline_filter_;
  const ExpiryFilter dedupe_filter_;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* timeline_ = nullptr;
  rocksdb::ColumnFamilyHandle* dedupe_ = nullptr;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(
    const StoreOptions& options) {
  if (options.path.empty())
    return absl::InvalidArgumentError("StoreOptions.path is empty");
  StoreOptions sanitized = options;
  sanitized.dedupe_window = std::max(sanitized.dedupe_window, absl::Hours(24));
  if (sanitized.clock == nullptr) sanitized.clock = Clock::Real();
  auto store = std::make_unique<RocksStore>(sanitized);
  RETURN_IF_ERROR(store->OpenDb());
  return store;
}

}  // namespace kaiku::storage
