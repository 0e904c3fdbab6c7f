// RocksDB implementation of Store. Column families and key layouts:
// key_codec.h.
#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/time_util.h"
#include "kaiku/storage/v1/records.pb.h"
#include "lib/common/logging.h"
#include "lib/common/status_macros.h"
#include "lib/storage/expiry_filter.h"
#include "lib/storage/key_codec.h"
#include "lib/storage/rocksdb_batch.h"
#include "lib/storage/rocksdb_committer.h"
#include "lib/storage/rocksdb_erasure.h"
#include "lib/storage/rocksdb_event_log.h"
#include "lib/storage/rocksdb_journal.h"
#include "lib/storage/rocksdb_offline_reads.h"
#include "lib/storage/rocksdb_scan.h"
#include "lib/storage/rocksdb_status.h"
#include "lib/storage/store.h"
#include "lib/storage/visitor_prefix.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/statistics.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"

namespace kaiku::storage {
namespace {

constexpr char kEventsCf[] = "events";
constexpr char kEventIndexCf[] = "event_index";
// The records of stores written before the event log: moved into the log when
// such a store is opened for writing (rocksdb_event_log.h).
constexpr char kOldTimelineCf[] = "timeline";
// The event-id index of stores written before dedupe read the timelines: it is
// dropped when such a store is opened for writing.
constexpr char kOldDedupeCf[] = "dedupe";
constexpr char kVisitorStateCf[] = "visitor_state";
constexpr char kLeadsCf[] = "leads";
constexpr char kScoreLogCf[] = "scorelog";
constexpr char kConsumersCf[] = "consumers";
constexpr char kJournalCf[] = "journal";
// In the default column family (see Store::EveryEventHasState).
constexpr char kEveryEventHasStateKey[] = "kaiku.every_event_has_state";

class RocksStore : public Store {
 public:
  RocksStore(const StoreOptions& options)
      : options_(options),
        index_filter_("kaiku.TimelineExpiry", &TimelineEntryTime,
                      options.retention, options.clock),
        log_filter_("kaiku.EventLogExpiry", &EventLogEntryTime,
                    options.retention + options.max_future_skew, options.clock),
        state_filter_("kaiku.VisitorStateExpiry", &VisitorStateEntryTime,
                      options.retention, options.clock) {}

  ~RocksStore() override {
    if (db_ == nullptr) return;
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    db_->Close().PermitUncheckedError();
  }

  absl::Status OpenDb() {
    const bool existed = std::filesystem::exists(
        std::filesystem::path(options_.path) / "CURRENT");
    if (options_.read_only && !existed) {
      // RocksDB would create the directory for its info log first.
      return absl::NotFoundError(
          absl::StrCat("no Kaiku store at ", options_.path));
    }
    rocksdb::Options db_options;
    db_options.create_if_missing = !options_.read_only;
    db_options.create_missing_column_families = true;
    db_options.max_background_jobs = 2;
    db_options.bytes_per_sync = 1 << 20;
    db_options.info_log_level = rocksdb::WARN_LEVEL;
    db_options.keep_log_file_num = 3;
    // Every version change (flush, compaction) writes a new MANIFEST listing
    // only the current files: the key bounds of files that held erased data
    // leave the disk with them (PurgeErased). A MANIFEST is a few KB per
    // hundred files.
    db_options.max_manifest_file_size = 0;
    // Tickers only (no timers or histograms): a few relaxed counter updates
    // per write, read by Stats() for the metrics.
    db_options.statistics = rocksdb::CreateDBStatistics();
    db_options.statistics->set_stats_level(
        rocksdb::StatsLevel::kExceptHistogramOrTimers);

    cache_ =
        rocksdb::NewLRUCache(static_cast<size_t>(options_.block_cache_bytes));
    auto cf_options = [&](const rocksdb::CompactionFilter* filter,
                          bool point_lookups) {
      rocksdb::ColumnFamilyOptions cf;
      cf.write_buffer_size = static_cast<size_t>(options_.write_buffer_bytes);
      cf.compaction_filter = filter;
      cf.periodic_compaction_seconds =
          static_cast<uint64_t>(absl::ToInt64Seconds(
              options_.periodic_compaction > absl::ZeroDuration()
                  ? options_.periodic_compaction
                  : options_.retention / 4));
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
    // The log's keys only grow: its files are moved down the levels, not
    // rewritten, and leave by retention (DropExpiredEvents). Nothing
    // recompacts them by age (no periodic or TTL compaction).
    rocksdb::ColumnFamilyOptions events = cf_options(&log_filter_, false);
    events.periodic_compaction_seconds = 0;
    events.ttl = 0;
    rocksdb::ColumnFamilyOptions index = cf_options(&index_filter_, false);
    {
      index.prefix_extractor = NewVisitorPrefixExtractor();
      index.memtable_prefix_bloom_size_ratio = 0.02;
      rocksdb::BlockBasedTableOptions table;
      table.block_cache = cache_;
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      table.whole_key_filtering = false;
      index.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    }
    rocksdb::ColumnFamilyOptions states = cf_options(&state_filter_, true);
    // Random keys: every level-0 file overlaps all of level 1, so each level-0
    // compaction rewrites level 1 whole. Twice the default trigger (8 files)
    // rewrites it half as often, for reads that look through up to 8 more
    // files (their bloom filters first); docs/benchmark.md, "Steady state".
    WidenLevelZero(&index, 8);
    WidenLevelZero(&states, 8);
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
        {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
        {kEventsCf, events},
        {kEventIndexCf, index},
        {kVisitorStateCf, states},
        {kLeadsCf, cf_options(nullptr, false)},
        {kScoreLogCf, cf_options(nullptr, false)},
        {kConsumersCf, cf_options(nullptr, false)},
    };
    // The journal's records live for seconds to minutes and are deleted in
    // ranges: small memtables, no compaction filter.
    rocksdb::ColumnFamilyOptions journal = cf_options(nullptr, false);
    journal.periodic_compaction_seconds = 0;
    // A store of the earlier layout has the old dedupe index: opened (RocksDB
    // opens every column family) and, when writing, dropped. One written
    // before the journal has none; opened read-only, it gets none.
    bool old_dedupe = false;
    bool old_timeline = false;
    bool has_journal = !existed || !options_.read_only;
    if (existed) {
      std::vector<std::string> names;
      RETURN_IF_ERROR(FromRocksStatus(
          rocksdb::DB::ListColumnFamilies(db_options, options_.path, &names),
          absl::StrCat("reading the column families of ", options_.path)));
      old_dedupe =
          std::find(names.begin(), names.end(), kOldDedupeCf) != names.end();
      old_timeline =
          std::find(names.begin(), names.end(), kOldTimelineCf) != names.end();
      if (old_timeline && options_.read_only) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the store at ", options_.path,
            " has the layout of Kaiku before its event log (column family "
            "\"timeline\"); open it once for writing (start kaikud on it, or "
            "on a copy of it) to move its events into the log"));
      }
      has_journal = has_journal || std::find(names.begin(), names.end(),
                                             kJournalCf) != names.end();
    }
    if (has_journal) cfs.push_back({kJournalCf, journal});
    if (old_dedupe)
      cfs.push_back({kOldDedupeCf, rocksdb::ColumnFamilyOptions()});
    if (old_timeline) cfs.push_back({kOldTimelineCf, index});
    rocksdb::DB* db = nullptr;
    RETURN_IF_ERROR(FromRocksStatus(
        options_.read_only
            ? rocksdb::DB::OpenForReadOnly(db_options, options_.path, cfs,
                                           &handles_, &db)
            : rocksdb::DB::Open(db_options, options_.path, cfs, &handles_, &db),
        absl::StrCat("opening RocksDB at ", options_.path)));
    db_.reset(db);
    cf_.events = handles_[1];
    cf_.event_index = handles_[2];
    cf_.visitor_state = handles_[3];
    cf_.leads = handles_[4];
    cf_.scorelog = handles_[5];
    cf_.consumers = handles_[6];
    if (has_journal) cf_.journal = handles_[7];
    RETURN_IF_ERROR(positions_.Start(db_.get(), cf_.events));
    if (old_timeline) {
      rocksdb::ColumnFamilyHandle* timeline = handles_.back();
      handles_.pop_back();
      ASSIGN_OR_RETURN(int64_t moved, MoveTimelineIntoLog(db_.get(), timeline,
                                                          cf_, &positions_));
      RETURN_IF_ERROR(FromRocksStatus(db_->DropColumnFamily(timeline),
                                      "dropping the old timelines"));
      RETURN_IF_ERROR(FromRocksStatus(db_->DestroyColumnFamilyHandle(timeline),
                                      "closing the old timelines"));
      LOG(INFO) << "store at " << options_.path << ": moved " << moved
                << " events of the earlier layout into the event log";
    }
    if (old_dedupe) {
      rocksdb::ColumnFamilyHandle* dedupe = handles_.back();
      handles_.pop_back();
      if (!options_.read_only) {
        RETURN_IF_ERROR(FromRocksStatus(db_->DropColumnFamily(dedupe),
                                        "dropping the old dedupe index"));
        LOG(INFO) << "store at " << options_.path
                  << ": dropped the old dedupe index (retries are now "
                     "recognized in the visitors' timelines)";
      }
      RETURN_IF_ERROR(FromRocksStatus(db_->DestroyColumnFamilyHandle(dedupe),
                                      "closing the old dedupe index"));
    }
    RETURN_IF_ERROR(OpenEveryEventHasState(existed));
    committer_ = std::make_unique<GroupCommitter>(db_.get(), cf_.scorelog);
    return committer_->Recover();
  }

  // Compacts level 0 into level 1 once `trigger` files are there; slows and
  // stops writes at RocksDB's default multiples of it (5 and 9).
  static void WidenLevelZero(rocksdb::ColumnFamilyOptions* cf, int trigger) {
    cf->level0_file_num_compaction_trigger = trigger;
    cf->level0_slowdown_writes_trigger = 5 * trigger;
    cf->level0_stop_writes_trigger = 9 * trigger;
  }

  // The marker of EveryEventHasState: written when the store is created,
  // deleted by NoteEventsWithoutState.
  absl::Status OpenEveryEventHasState(bool existed) {
    rocksdb::ColumnFamilyHandle* cf = handles_[0];
    if (!existed) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      RETURN_IF_ERROR(FromRocksStatus(
          db_->Put(wo, cf, kEveryEventHasStateKey, ""), "creating the store"));
    }
    std::string value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), cf, kEveryEventHasStateKey, &value);
    if (!s.IsNotFound())
      RETURN_IF_ERROR(FromRocksStatus(s, "opening the store"));
    every_event_has_state_.store(s.ok());
    return absl::OkStatus();
  }

  bool EveryEventHasState() override { return every_event_has_state_.load(); }

  absl::Status NoteEventsWithoutState() override {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    RETURN_IF_ERROR(
        FromRocksStatus(db_->Delete(wo, handles_[0], kEveryEventHasStateKey),
                        "noting events without state"));
    every_event_has_state_.store(false);
    return absl::OkStatus();
  }

  std::unique_ptr<StoreBatch> NewBatch() override {
    return std::make_unique<RocksBatch>(cf_, &positions_, options_.clock);
  }

  // The committer groups concurrent commits into one write and numbers their
  // score-log entries in write order (rocksdb_committer.h).
  absl::Status Commit(StoreBatch* b, bool sync) override {
    RocksBatch* batch = static_cast<RocksBatch*>(b);
    RETURN_IF_ERROR(committer_->Commit(batch, sync));
    CountWritten(*batch);
    return absl::OkStatus();
  }

  // Adds a committed batch to the written keys and bytes of its families.
  void CountWritten(const RocksBatch& batch) {
    // Handle indices of the batch's families (RocksBatch's order).
    constexpr std::array<int, 5> kHandle = {1, 2, 3, 4, 7};
    for (size_t f = 0; f < kHandle.size(); ++f) {
      written_[kHandle[f]].keys.fetch_add(batch.sealed_keys()[f],
                                          std::memory_order_relaxed);
      written_[kHandle[f]].bytes.fetch_add(batch.sealed_bytes()[f],
                                           std::memory_order_relaxed);
    }
    int64_t log_bytes = 0;
    for (const RocksBatch::ScoreLogAppend& e : batch.score_events())
      log_bytes += static_cast<int64_t>(e.tenant.size() + 9 + e.record.size());
    written_[5].keys.fetch_add(
        static_cast<int64_t>(batch.score_events().size()),
        std::memory_order_relaxed);
    written_[5].bytes.fetch_add(log_bytes, std::memory_order_relaxed);
  }

  absl::StatusOr<std::optional<std::string>> GetVisitorState(
      absl::string_view tenant, absl::string_view visitor_id) override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_.visitor_state,
                                 VisitorKey(tenant, visitor_id), &value);
    if (s.IsNotFound()) return std::nullopt;
    RETURN_IF_ERROR(FromRocksStatus(s, "reading a visitor state"));
    int64_t last_event;
    absl::string_view state;
    if (!DecodeVisitorStateValue(value, &last_event, &state))
      return absl::DataLossError("malformed visitor state entry");
    return std::string(state);
  }

  absl::Status ForEachLead(
      absl::string_view tenant,
      absl::FunctionRef<void(absl::string_view, absl::string_view)> fn)
      override {
    const std::string prefix = tenant.empty() ? "" : TenantPrefix(tenant);
    BoundedScan it(db_.get(), cf_.leads, PrefixSuccessor(prefix));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      absl::string_view t, visitor;
      if (!DecodeVisitorKey(View(it->key()), &t, &visitor))
        return absl::DataLossError("malformed leads key");
      fn(t, visitor);
    }
    return FromRocksStatus(it->status(), "reading the leads index");
  }

  absl::StatusOr<std::vector<ScoreLogEntry>> ReadScoreLog(
      absl::string_view tenant, uint64_t after, int limit) override {
    return ReadLog(tenant, after, limit, /*with_erased=*/false);
  }

  absl::StatusOr<std::vector<ScoreLogEntry>> ReadScoreLogWithErased(
      absl::string_view tenant, uint64_t after, int limit) override {
    return ReadLog(tenant, after, limit, /*with_erased=*/true);
  }

  absl::StatusOr<std::vector<ScoreLogEntry>> ReadLog(absl::string_view tenant,
                                                     uint64_t after, int limit,
                                                     bool with_erased) {
    std::vector<ScoreLogEntry> entries;
    BoundedScan it(db_.get(), cf_.scorelog,
                   PrefixSuccessor(TenantPrefix(tenant)));
    for (it->Seek(ScoreLogKey(tenant, after + 1));
         it->Valid() && static_cast<int>(entries.size()) < limit; it->Next()) {
      absl::string_view t;
      uint64_t sequence;
      kaiku::storage::v1::ScoreLogRecord record;
      if (!DecodeScoreLogKey(View(it->key()), &t, &sequence) ||
          !record.ParseFromArray(it->value().data(),
                                 static_cast<int>(it->value().size()))) {
        return absl::DataLossError("malformed score-log entry");
      }
      if (record.erased() && !with_erased) continue;
      ScoreLogEntry& entry = entries.emplace_back();
      entry.sequence = sequence;
      entry.event = std::move(*record.mutable_event());
      entry.appended_at_micros = record.appended_at_micros();
      entry.erased = record.erased();
    }
    RETURN_IF_ERROR(FromRocksStatus(it->status(), "reading the score log"));
    return entries;
  }

  uint64_t LastScoreSequence(absl::string_view tenant) override {
    return committer_->Last(tenant);
  }

  uint64_t FirstScoreSequence(absl::string_view tenant) override {
    return committer_->First(tenant);
  }

  std::vector<std::string> ScoreLogTenants() override {
    return committer_->Tenants();
  }

  absl::Status TrimScoreLog(absl::string_view tenant,
                            uint64_t first_kept) override {
    // Not while an erasure rewrites entries (it could write a trimmed one
    // again).
    absl::MutexLock erase_lock(&erase_mu_);
    uint64_t first, last;
    committer_->Bounds(tenant, &first, &last);
    // The last entry always stays: it carries the sequence number across a
    // restart, so numbers are never reused.
    first_kept = std::min(first_kept, last);
    if (first == 0 || first_kept <= first) return absl::OkStatus();
    rocksdb::WriteOptions wo;
    RETURN_IF_ERROR(FromRocksStatus(
        db_->DeleteRange(wo, cf_.scorelog, ScoreLogKey(tenant, first),
                         ScoreLogKey(tenant, first_kept)),
        "trimming the score log"));
    committer_->SetFirst(tenant, first_kept);
    return absl::OkStatus();
  }

  void SetScoreLogListener(ScoreLogListener listener) override {
    committer_->SetListener(std::move(listener));
  }

  absl::Status PutConsumerCursor(absl::string_view tenant,
                                 absl::string_view consumer,
                                 uint64_t sequence) override {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    const std::string key = ConsumerKey(tenant, consumer);
    RETURN_IF_ERROR(FromRocksStatus(
        db_->Put(wo, cf_.consumers, key, EncodeSequence(sequence)),
        "committing a consumer cursor"));
    written_[6].keys.fetch_add(1, std::memory_order_relaxed);
    written_[6].bytes.fetch_add(static_cast<int64_t>(key.size() + 8),
                                std::memory_order_relaxed);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<uint64_t>> GetConsumerCursor(
      absl::string_view tenant, absl::string_view consumer) override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_.consumers,
                                 ConsumerKey(tenant, consumer), &value);
    if (s.IsNotFound()) return std::nullopt;
    RETURN_IF_ERROR(FromRocksStatus(s, "reading a consumer cursor"));
    uint64_t sequence;
    if (!DecodeSequence(value, &sequence))
      return absl::DataLossError("malformed consumer cursor");
    return sequence;
  }

  absl::StatusOr<bool> ContainsEvent(absl::string_view tenant,
                                     const kaiku::v1::Event& event) override {
    rocksdb::PinnableSlice value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), cf_.event_index,
                 TimelineKey(tenant, event.visitor_id(), EventTimeMicros(event),
                             event.event_id()),
                 &value);
    if (s.IsNotFound()) return false;
    RETURN_IF_ERROR(FromRocksStatus(s, "reading a timeline"));
    return true;
  }

  absl::Status ForEachJournalRecord(
      absl::FunctionRef<void(uint32_t, uint64_t, absl::string_view)> fn)
      override {
    return ForEachJournalRecordInDb(db_.get(), cf_.journal, fn);
  }

  absl::StatusOr<std::optional<std::string>> GetJournalModel(
      uint32_t fingerprint) override {
    return GetJournalModelInDb(db_.get(), cf_.journal, fingerprint);
  }

  absl::Status ClearJournal() override {
    return ClearJournalInDb(db_.get(), cf_.journal);
  }

  absl::StatusOr<TimelinePage> ReadTimeline(absl::string_view tenant,
                                            absl::string_view visitor_id,
                                            const TimelinePosition* after,
                                            int limit) override {
    VisitorScan it(db_.get(), cf_.event_index, tenant, visitor_id);
    if (after == nullptr) {
      it->Seek(it.prefix());
    } else {
      std::string start = TimelineKey(
          tenant, visitor_id, after->event_time_micros, after->event_id);
      it->Seek(start);
      if (it->Valid() && it->key() == rocksdb::Slice(start)) it->Next();
    }
    TimelinePage page;
    std::vector<std::string> log_keys;
    std::string last_index_key;
    for (; it->Valid(); it->Next()) {
      if (static_cast<int>(log_keys.size()) == limit) {
        // More follow: the next page starts after the last entry taken.
        TimelineKeyParts last;
        if (!DecodeTimelineKey(last_index_key, &last))
          return absl::DataLossError("malformed timeline key");
        page.next = TimelinePosition{last.event_time_micros,
                                     std::string(last.event_id)};
        break;
      }
      last_index_key.assign(it->key().data(), it->key().size());
      log_keys.emplace_back(it->value().data(), it->value().size());
    }
    RETURN_IF_ERROR(FromRocksStatus(it->status(), "reading a timeline"));
    RETURN_IF_ERROR(ReadLoggedEvents(db_.get(), cf_.events, log_keys,
                                     visitor_id, &page.events));
    return page;
  }

  absl::Status ForEachEventTime(absl::string_view tenant,
                                absl::string_view visitor_id,
                                absl::FunctionRef<void(int64_t)> fn) override {
    VisitorScan it(db_.get(), cf_.event_index, tenant, visitor_id);
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

  absl::Status ForEachTimeline(
      absl::string_view tenant,
      absl::FunctionRef<void(absl::string_view, std::vector<kaiku::v1::Event>)>
          fn) override {
    return ForEachTimelineInDb(db_.get(), cf_.event_index, cf_.events, tenant,
                               fn);
  }

  absl::StatusOr<std::vector<std::string>> ListTenants() override {
    return ListTenantsInDb(db_.get(),
                           {cf_.event_index, cf_.visitor_state, cf_.scorelog});
  }

  absl::Status ForEachVisitorState(
      absl::string_view tenant,
      absl::FunctionRef<void(absl::string_view, absl::string_view)> fn)
      override {
    return ForEachVisitorStateInDb(db_.get(), cf_.visitor_state, tenant, fn);
  }

  absl::StatusOr<int64_t> EraseVisitor(absl::string_view tenant,
                                       absl::string_view visitor_id) override {
    absl::MutexLock lock(&erase_mu_);
    ASSIGN_OR_RETURN(Erasure erasure,
                     EraseVisitorFromDb(db_.get(), cf_, tenant, visitor_id));
    for (ErasedRange& range : erasure.ranges)
      to_purge_.push_back(std::move(range));
    return erasure.events;
  }

  absl::Status PurgeErased() override {
    absl::MutexLock purge_lock(&purge_mu_);
    std::vector<ErasedRange> ranges;
    {
      absl::MutexLock lock(&erase_mu_);
      ranges.swap(to_purge_);
    }
    if (ranges.empty()) return absl::OkStatus();
    absl::Status purged = PurgeRanges(db_.get(), handles_, ranges, handles_[0]);
    if (!purged.ok()) {
      absl::MutexLock lock(&erase_mu_);
      to_purge_.insert(to_purge_.end(), ranges.begin(), ranges.end());
    }
    return purged;
  }

  absl::Status DropExpiredEvents() override {
    return DropLogFilesBefore(
        db_.get(), cf_.events,
        absl::ToUnixMicros(options_.clock->Now() - options_.retention -
                           options_.max_future_skew));
  }

  absl::Status Flush() override {
    rocksdb::FlushOptions fo;
    return FromRocksStatus(db_->Flush(fo, handles_), "flushing memtables");
  }

  StoreStats Stats() override {
    StoreStats stats;
    rocksdb::Statistics* s = db_->GetOptions().statistics.get();
    auto ticker = [s](rocksdb::Tickers t) {
      return static_cast<int64_t>(s->getTickerCount(t));
    };
    stats.write_stall_micros = ticker(rocksdb::STALL_MICROS);
    stats.compaction_read_bytes = ticker(rocksdb::COMPACT_READ_BYTES);
    stats.compaction_written_bytes = ticker(rocksdb::COMPACT_WRITE_BYTES);
    stats.flush_written_bytes = ticker(rocksdb::FLUSH_WRITE_BYTES);
    stats.wal_syncs = ticker(rocksdb::WAL_FILE_SYNCED);
    stats.wal_written_bytes = ticker(rocksdb::WAL_FILE_BYTES);
    stats.user_written_bytes = ticker(rocksdb::BYTES_WRITTEN);
    uint64_t value = 0;
    if (db_->GetIntProperty(
            rocksdb::DB::Properties::kEstimatePendingCompactionBytes, &value))
      stats.pending_compaction_bytes = static_cast<int64_t>(value);
    if (db_->GetIntProperty(rocksdb::DB::Properties::kIsWriteStopped, &value))
      stats.write_stopped = value != 0;
    for (size_t i = 0; i < handles_.size(); ++i) {
      rocksdb::ColumnFamilyHandle* h = handles_[i];
      StoreStats::ColumnFamily& cf = stats.column_families.emplace_back();
      cf.name = h->GetName();
      cf.written_keys = written_[i].keys.load(std::memory_order_relaxed);
      cf.written_bytes = written_[i].bytes.load(std::memory_order_relaxed);
      if (db_->GetIntProperty(h, rocksdb::DB::Properties::kCurSizeAllMemTables,
                              &value))
        cf.memtable_bytes = static_cast<int64_t>(value);
      if (db_->GetIntProperty(h, rocksdb::DB::Properties::kTotalSstFilesSize,
                              &value))
        cf.sst_bytes = static_cast<int64_t>(value);
      // RocksDB's per-level stats in GB ("compaction.Sum.WriteGB", flush
      // output counted at level 0), printed with 6 decimals: ~1 KiB steps.
      std::map<std::string, std::string> cf_stats;
      if (db_->GetMapProperty(h, rocksdb::DB::Properties::kCFStats,
                              &cf_stats)) {
        auto it = cf_stats.find("compaction.Sum.WriteGB");
        double gb = 0;
        if (it != cf_stats.end() && absl::SimpleAtod(it->second, &gb))
          cf.sst_written_bytes = static_cast<int64_t>(gb * (1 << 30));
      }
    }
    return stats;
  }

  absl::Status Checkpoint(const std::string& dir) override {
    rocksdb::Checkpoint* raw = nullptr;
    RETURN_IF_ERROR(FromRocksStatus(
        rocksdb::Checkpoint::Create(db_.get(), &raw), "creating a checkpoint"));
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    // log_size_for_flush 0: memtables are flushed first, so the copy holds
    // SST files only (plus the tail of the WAL written meanwhile).
    return FromRocksStatus(
        checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0),
        absl::StrCat("writing a checkpoint to ", dir));
  }

 private:
  const StoreOptions options_;
  const ExpiryFilter index_filter_;
  const ExpiryFilter log_filter_;
  const ExpiryFilter state_filter_;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  EventLogPositions positions_;
  std::atomic<bool> every_event_has_state_{false};
  // Per column family (by index in handles_): keys and bytes committed.
  struct Written {
    std::atomic<int64_t> keys{0};
    std::atomic<int64_t> bytes{0};
  };
  std::array<Written, 8> written_;
  Families cf_;
  std::unique_ptr<GroupCommitter> committer_;
  // Serializes erasures with score-log trimming; guards what they left for
  // PurgeErased.
  absl::Mutex erase_mu_;
  std::vector<ErasedRange> to_purge_ ABSL_GUARDED_BY(erase_mu_);
  // One purge at a time.
  absl::Mutex purge_mu_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(
    const StoreOptions& options) {
  if (options.path.empty())
    return absl::InvalidArgumentError("StoreOptions.path is empty");
  StoreOptions sanitized = options;
  if (sanitized.clock == nullptr) sanitized.clock = Clock::Real();
  auto store = std::make_unique<RocksStore>(sanitized);
  RETURN_IF_ERROR(store->OpenDb());
  return store;
}

}  // namespace kaiku::storage
