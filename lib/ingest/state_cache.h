// A least-recently-used cache of encoded visitor states, bounded by bytes.
//
// Each entry is one allocation holding its list links, key and value; the
// index is a flat hash set of pointers. With a typical 25-byte key and 60- to
// 120-byte state, an entry costs about 130 to 190 bytes (SPEC §8: at most 256
// bytes per cached visitor); Charge() is what the bound counts.
//
// Thread safety: none; each ingest worker owns one cache.
#ifndef KAIKU_LIB_INGEST_STATE_CACHE_H_
#define KAIKU_LIB_INGEST_STATE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace kaiku::ingest {

class StateCache {
 public:
  // Holds at most `capacity_bytes` of entries (by Charge()).
  explicit StateCache(size_t capacity_bytes);
  StateCache(const StateCache&) = delete;
  StateCache& operator=(const StateCache&) = delete;
  ~StateCache();

  // The value under `key`, marked as just used. The view is valid until the
  // next call that changes the cache.
  std::optional<absl::string_view> Get(absl::string_view key);
  // Inserts or replaces, then evicts the least recently used entries over the
  // capacity.
  void Put(absl::string_view key, absl::string_view value);
  void Erase(absl::string_view key);

  size_t size() const { return index_.size(); }
  size_t charged_bytes() const { return charged_; }

  // Bytes counted for one entry: its allocation plus its index slot.
  static size_t Charge(size_t key_bytes, size_t value_bytes);

 private:
  struct Node {
    Node* prev;
    Node* next;
    uint32_t key_size;
    uint32_t value_size;
    // key bytes, then value bytes, follow.

    char* data() { return reinterpret_cast<char*>(this + 1); }
    absl::string_view key() { return absl::string_view(data(), key_size); }
    absl::string_view value() {
      return absl::string_view(data() + key_size, value_size);
    }
  };

  // Heterogeneous lookup: the set holds Node*, looked up by key.
  struct NodeHash {
    using is_transparent = void;
    size_t operator()(absl::string_view key) const { return absl::HashOf(key); }
    size_t operator()(Node* node) const { return absl::HashOf(node->key()); }
  };

  struct NodeEq {
    using is_transparent = void;
    static absl::string_view Key(absl::string_view k) { return k; }
    static absl::string_view Key(Node* n) { return n->key(); }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return Key(a) == Key(b);
    }
  };

  void Unlink(Node* node);
  void PushFront(Node* node);
  void Remove(Node* node);

  const size_t capacity_;
  size_t charged_ = 0;
  Node* head_ = nullptr;  // most recently used
  Node* tail_ = nullptr;
  absl::flat_hash_set<Node*, NodeHash, NodeEq> index_;
};

}  // namespace kaiku::ingest

#endif  // KAIKU_LIB_INGEST_STATE_CACHE_H_
