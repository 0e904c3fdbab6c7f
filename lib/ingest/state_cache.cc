#include "lib/ingest/state_cache.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "absl/hash/hash.h"

namespace kaiku::ingest {

StateCache::StateCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}

StateCache::~StateCache() {
  for (Node* n = head_; n != nullptr;) {
    Node* next = n->next;
    std::free(n);
    n = next;
  }
}

size_t StateCache::Charge(size_t key_bytes, size_t value_bytes) {
  // malloc rounds to 16 bytes and keeps an 8-byte header; a hash set slot is a
  // pointer plus a control byte, at a load of at most 7/8.
  const size_t alloc = sizeof(Node) + key_bytes + value_bytes + 8;
  return (alloc + 15) / 16 * 16 + 10;
}

std::optional<absl::string_view> StateCache::Get(absl::string_view key) {
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  Node* node = *it;
  Unlink(node);
  PushFront(node);
  return node->value();
}

void StateCache::Put(absl::string_view key, absl::string_view value) {
  Erase(key);
  const size_t charge = Charge(key.size(), value.size());
  if (charge > capacity_) return;
  Node* node =
      static_cast<Node*>(std::malloc(sizeof(Node) + key.size() + value.size()));
  if (node == nullptr) throw std::bad_alloc();
  node->key_size = static_cast<uint32_t>(key.size());
  node->value_size = static_cast<uint32_t>(value.size());
  std::memcpy(node->data(), key.data(), key.size());
  std::memcpy(node->data() + key.size(), value.data(), value.size());
  PushFront(node);
  index_.insert(node);
  charged_ += charge;
  while (charged_ > capacity_ && tail_ != nullptr) Remove(tail_);
}

void StateCache::Erase(absl::string_view key) {
  auto it = index_.find(key);
  if (it != index_.end()) Remove(*it);
}

void StateCache::Remove(Node* node) {
  index_.erase(node->key());
  Unlink(node);
  charged_ -= Charge(node->key_size, node->value_size);
  std::free(node);
}

void StateCache::Unlink(Node* node) {
  (node->prev != nullptr ? node->prev->next : head_) = node->next;
  (node->next != nullptr ? node->next->prev : tail_) = node->prev;
  node->prev = node->next = nullptr;
}

void StateCache::PushFront(Node* node) {
  node->prev = nullptr;
  node->next = head_;
  if (head_ != nullptr) head_->prev = node;
  head_ = node;
  if (tail_ == nullptr) tail_ = node;
}

}  // namespace kaiku::ingest
