// The prefix extractor of the timeline column family: a key's visitor prefix
// (`u8 len | tenant | u8 len | visitor_id`, key_codec.h). With it, RocksDB
// keeps a bloom filter of visitor prefixes in every table file and in the
// memtable, so looking at the timeline of a visitor who has none (every
// first-seen visitor is probed) costs a few hash probes, not a seek through
// every level.
//
// Iterators that cross visitors must set ReadOptions::total_order_seek.
#ifndef KAIKU_LIB_STORAGE_VISITOR_PREFIX_H_
#define KAIKU_LIB_STORAGE_VISITOR_PREFIX_H_

#include <memory>

#include "rocksdb/slice_transform.h"

namespace kaiku::storage {

std::shared_ptr<const rocksdb::SliceTransform> NewVisitorPrefixExtractor();

}  // namespace kaiku::storage

#endif  // KAIKU_LIB_STORAGE_VISITOR_PREFIX_H_
