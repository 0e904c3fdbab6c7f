// The encoded visitor states an ingest worker keeps in memory, bounded by
// bytes: clean entries (equal to what the store holds) in least-recently-used
// order, evicted over the bound; dirty entries (newer than the store: written
// behind, lib/ingest/journal.h) in the order they became dirty, never evicted
// — the owner writes them and marks them clean.
//
// Each entry is one allocation holding its list links, key and value; the
// index is a flat hash set of pointers. With a typical 25-byte key and 60- to
// 120-byte state, an entry costs about 150 to 230 bytes (SPEC §8: at most 256
// bytes per cached visitor); Charge() is what the bound counts.
//
// Thread safety: none; each ingest worker owns one cache (and guards it with a
// lock where other threads Peek).
#ifndef KAIKU_LIB_INGEST_STATE_CACHE_H_
#define KAIKU_LIB_INGEST_STATE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace kaiku::ingest {

class StateCache {
 public:
  // Holds at most `capacity_bytes` of clean entries (by Charge()); dirty ones
  // count towards the bound but stay.
  explicit StateCache(size_t capacity_bytes);
  StateCache(const StateCache&) = delete;
  StateCache& operator=(const StateCache&) = delete;
  ~StateCache();

  // The value under `key`, marked as just used. The view is valid until the
  // next call that changes the cache.
  std::optional<absl::string_view> Get(absl::string_view key);
  // The same, changing nothing.
  std::optional<absl::string_view> Peek(absl::string_view key) const;
  // Inserts or replaces a clean entry, then evicts the least recently used
  // clean entries over the capacity.
  void Put(absl::string_view key, absl::string_view value);
  // Inserts or replaces a dirty entry. An entry that was dirty already keeps
  // its place and the sequence number and time it became dirty at; otherwise
  // those are `sequence` and `now`.
  void PutDirty(absl::string_view key, absl::string_view value,
                int64_t last_event, uint64_t sequence, int64_t now);
  // Makes a dirty entry clean (most recently used); no-op for others.
  void MarkClean(absl::string_view key);
  void Erase(absl::string_view key);

  struct Dirty {
    absl::string_view key;
    absl::string_view value;
    int64_t last_event;
    // When it became dirty: the journal sequence number and the time.
    uint64_t since_sequence;
    int64_t since_micros;
  };
  // Calls `fn` for dirty entries, those dirty longest first, until it returns
  // false. `fn` must not change the cache.
  void ForEachDirty(absl::FunctionRef<bool(const Dirty&)> fn) const;
  // The sequence number the longest-dirty entry became dirty at; nullopt when
  // none is dirty.
  std::optional<uint64_t> OldestDirtySequence() const;

  size_t size() const { return index_.size(); }
  size_t dirty_count() const { return dirty_count_; }
  size_t charged_bytes() const { return charged_; }
  size_t capacity() const { return capacity_; }

  // Bytes counted for one entry: its allocation plus its index slot.
  static size_t Charge(size_t key_bytes, size_t value_bytes);

 private:
  struct Node {
    Node* prev;
    Node* next;
    int64_t last_event;
    uint64_t dirty_since;  // journal sequence number; 0: clean
    int64_t dirty_at;
    uint32_t key_size;
    uint32_t value_size;
    // key bytes, then value bytes, follow.

    char* data() { return reinterpret_cast<char*>(this + 1); }
    const char* data() const { return reinterpret_cast<const char*>(this + 1); }
    absl::string_view key() const {
      return absl::string_view(data(), key_size);
    }
    absl::string_view value() const {
      return absl::string_view(data() + key_size, value_size);
    }
    bool dirty() const { return dirty_since != 0; }
  };

  // Heterogeneous lookup: the set holds Node*, looked up by key.
  struct NodeHash {
    using is_transparent = void;
    size_t operator()(absl::string_view key) const { return absl::HashOf(key); }
    size_t operator()(const Node* node) const {
      return absl::HashOf(node->key());
    }
  };

  struct NodeEq {
    using is_transparent = void;
    static absl::string_view Key(absl::string_view k) { return k; }
    static absl::string_view Key(const Node* n) { return n->key(); }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return Key(a) == Key(b);
    }
  };

  // A doubly linked list: clean entries most recently used first, dirty ones
  // dirty longest first.
  struct List {
    Node* head = nullptr;
    Node* tail = nullptr;
    void Unlink(Node* node);
    void PushFront(Node* node);
    void PushBack(Node* node);
    // Puts `replacement` where `node` is.
    void Replace(Node* node, Node* replacement);
  };

  // Bytes allocated for an entry: its size class.
  static size_t AllocationBytes(size_t key_bytes, size_t value_bytes);
  List& ListOf(const Node* node) { return node->dirty() ? dirty_ : clean_; }
  static Node* NewNode(absl::string_view key, absl::string_view value);
  // Overwrites the value of an existing entry whose allocation fits it, and
  // sets it dirty or clean; false when there is none or it does not fit.
  bool ReplaceInPlace(absl::string_view key, absl::string_view value,
                      bool dirty, int64_t last_event, uint64_t sequence,
                      int64_t now);
  // Replaces or inserts `node` (a new allocation) for its key.
  void Insert(Node* node);
  void Remove(Node* node);
  void EvictOverCapacity();

  const size_t capacity_;
  size_t charged_ = 0;
  size_t dirty_count_ = 0;
  List clean_;
  List dirty_;
  absl::flat_hash_set<Node*, NodeHash, NodeEq> index_;
};

}  // namespace kaiku::ingest

#endif  // KAIKU_LIB_INGEST_STATE_CACHE_H_
