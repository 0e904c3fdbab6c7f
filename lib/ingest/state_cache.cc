#include "lib/ingest/state_cache.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "absl/hash/hash.h"

namespace kaiku::ingest {

StateCache::StateCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}

StateCache::~StateCache() {
  for (List* list : {&clean_, &dirty_}) {
    for (Node* n = list->head; n != nullptr;) {
      Node* next = n->next;
      std::free(n);
      n = next;
    }
  }
}

size_t StateCache::AllocationBytes(size_t key_bytes, size_t value_bytes) {
  // malloc rounds to 16 bytes and keeps an 8-byte header: what fits in the
  // same size class.
  return (sizeof(Node) + key_bytes + value_bytes + 8 + 15) / 16 * 16 - 8;
}

size_t StateCache::Charge(size_t key_bytes, size_t value_bytes) {
  // The allocation with its header, and a hash set slot: a pointer plus a
  // control byte, at a load of at most 7/8.
  return AllocationBytes(key_bytes, value_bytes) + 8 + 10;
}

std::optional<absl::string_view> StateCache::Get(absl::string_view key) {
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  Node* node = *it;
  if (!node->dirty()) {
    clean_.Unlink(node);
    clean_.PushFront(node);
  }
  return node->value();
}

std::optional<absl::string_view> StateCache::Peek(absl::string_view key) const {
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  return (*it)->value();
}

StateCache::Node* StateCache::NewNode(absl::string_view key,
                                      absl::string_view value) {
  // The whole size class that Charge counts, so that a value of the same
  // charge fits later (ReplaceInPlace).
  Node* node = static_cast<Node*>(
      std::malloc(AllocationBytes(key.size(), value.size())));
  if (node == nullptr) throw std::bad_alloc();
  node->prev = node->next = nullptr;
  node->last_event = 0;
  node->dirty_since = 0;
  node->dirty_at = 0;
  node->key_size = static_cast<uint32_t>(key.size());
  node->value_size = static_cast<uint32_t>(value.size());
  std::memcpy(node->data(), key.data(), key.size());
  std::memcpy(node->data() + key.size(), value.data(), value.size());
  return node;
}

void StateCache::Insert(Node* node) {
  charged_ += Charge(node->key_size, node->value_size);
  if (node->dirty()) ++dirty_count_;
  auto it = index_.find(node->key());
  if (it == index_.end()) {
    node->dirty() ? dirty_.PushBack(node) : clean_.PushFront(node);
    index_.insert(node);
    return;
  }
  Node* old = *it;
  if (old->dirty() && node->dirty()) {
    dirty_.Replace(old, node);
  } else {
    ListOf(old).Unlink(old);
    node->dirty() ? dirty_.PushBack(node) : clean_.PushFront(node);
  }
  index_.erase(it);
  index_.insert(node);
  charged_ -= Charge(old->key_size, old->value_size);
  if (old->dirty()) --dirty_count_;
  std::free(old);
}

bool StateCache::ReplaceInPlace(absl::string_view key, absl::string_view value,
                                bool dirty, int64_t last_event,
                                uint64_t sequence, int64_t now) {
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  Node* node = *it;
  // The same allocation size class: the charge stays, no allocation.
  if (Charge(key.size(), value.size()) !=
      Charge(node->key_size, node->value_size))
    return false;
  std::memcpy(node->data() + node->key_size, value.data(), value.size());
  node->value_size = static_cast<uint32_t>(value.size());
  if (dirty) {
    node->last_event = last_event;
    if (!node->dirty()) {
      clean_.Unlink(node);
      node->dirty_since = sequence;
      node->dirty_at = now;
      ++dirty_count_;
      dirty_.PushBack(node);
    }
  } else {
    if (node->dirty()) {
      dirty_.Unlink(node);
      node->dirty_since = 0;
      --dirty_count_;
    } else {
      clean_.Unlink(node);
    }
    clean_.PushFront(node);
  }
  return true;
}

void StateCache::Put(absl::string_view key, absl::string_view value) {
  if (Charge(key.size(), value.size()) > capacity_) {
    Erase(key);
    return;
  }
  if (!ReplaceInPlace(key, value, false, 0, 0, 0)) Insert(NewNode(key, value));
  EvictOverCapacity();
}

void StateCache::PutDirty(absl::string_view key, absl::string_view value,
                          int64_t last_event, uint64_t sequence, int64_t now) {
  if (ReplaceInPlace(key, value, true, last_event, sequence, now)) {
    EvictOverCapacity();
    return;
  }
  Node* node = NewNode(key, value);
  node->last_event = last_event;
  node->dirty_since = sequence;
  node->dirty_at = now;
  if (auto it = index_.find(key); it != index_.end() && (*it)->dirty()) {
    node->dirty_since = (*it)->dirty_since;
    node->dirty_at = (*it)->dirty_at;
  }
  Insert(node);
  EvictOverCapacity();
}

void StateCache::MarkClean(absl::string_view key) {
  auto it = index_.find(key);
  if (it == index_.end() || !(*it)->dirty()) return;
  Node* node = *it;
  dirty_.Unlink(node);
  node->dirty_since = 0;
  --dirty_count_;
  clean_.PushFront(node);
  EvictOverCapacity();
}

void StateCache::Erase(absl::string_view key) {
  auto it = index_.find(key);
  if (it != index_.end()) Remove(*it);
}

void StateCache::ForEachDirty(absl::FunctionRef<bool(const Dirty&)> fn) const {
  for (const Node* n = dirty_.head; n != nullptr; n = n->next) {
    if (!fn(Dirty{n->key(), n->value(), n->last_event, n->dirty_since,
                  n->dirty_at}))
      return;
  }
}

std::optional<uint64_t> StateCache::OldestDirtySequence() const {
  if (dirty_.head == nullptr) return std::nullopt;
  return dirty_.head->dirty_since;
}

void StateCache::EvictOverCapacity() {
  while (charged_ > capacity_ && clean_.tail != nullptr) Remove(clean_.tail);
}

void StateCache::Remove(Node* node) {
  index_.erase(node->key());
  ListOf(node).Unlink(node);
  charged_ -= Charge(node->key_size, node->value_size);
  if (node->dirty()) --dirty_count_;
  std::free(node);
}

void StateCache::List::Unlink(Node* node) {
  (node->prev != nullptr ? node->prev->next : head) = node->next;
  (node->next != nullptr ? node->next->prev : tail) = node->prev;
  node->prev = node->next = nullptr;
}

void StateCache::List::PushFront(Node* node) {
  node->prev = nullptr;
  node->next = head;
  if (head != nullptr) head->prev = node;
  head = node;
  if (tail == nullptr) tail = node;
}

void StateCache::List::PushBack(Node* node) {
  node->next = nullptr;
  node->prev = tail;
  if (tail != nullptr) tail->next = node;
  tail = node;
  if (head == nullptr) head = node;
}

void StateCache::List::Replace(Node* node, Node* replacement) {
  replacement->prev = node->prev;
  replacement->next = node->next;
  (node->prev != nullptr ? node->prev->next : head) = replacement;
  (node->next != nullptr ? node->next->prev : tail) = replacement;
  node->prev = node->next = nullptr;
}

}  // namespace kaiku::ingest
