#include "core/memory_budget.hpp"

#include <algorithm>

namespace parley::core {

MemoryBudget::Lease& MemoryBudget::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    budget_ = std::exchange(other.budget_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void MemoryBudget::Lease::resize(std::size_t bytes) {
  if (budget_ == nullptr) return;
  if (bytes > bytes_) {
    Lease more = budget_->take(bytes - bytes_);
    more.budget_ = nullptr;  // merged into this lease
  } else {
    budget_->give_back(bytes_ - bytes);
  }
  bytes_ = bytes;
}

void MemoryBudget::Lease::release() {
  if (budget_ == nullptr) return;
  MemoryBudget* budget = std::exchange(budget_, nullptr);
  budget->give_back(std::exchange(bytes_, 0));
}

bool MemoryBudget::fits(std::size_t bytes) const {
  return limit_ == 0 || used_ == 0 || used_ + bytes <= limit_;
}

MemoryBudget::Lease MemoryBudget::take(std::size_t bytes) {
  used_ += bytes;
  peak_ = std::max(peak_, used_);
  return Lease(this, bytes);
}

std::optional<MemoryBudget::Lease> MemoryBudget::try_take(std::size_t bytes) {
  if (!waiters_.empty() || !fits(bytes)) return std::nullopt;
  return take(bytes);
}

void MemoryBudget::when_fits(std::size_t bytes, Ready ready) {
  if (waiters_.empty() && fits(bytes)) {
    ready(take(bytes));
    return;
  }
  waiters_.push_back(Waiter{bytes, std::move(ready)});
}

std::size_t MemoryBudget::take_peak() {
  return std::exchange(peak_, used_);
}

void MemoryBudget::give_back(std::size_t bytes) {
  used_ -= std::min(used_, bytes);
  serve_waiters();
}

void MemoryBudget::serve_waiters() {
  if (serving_) return;
  serving_ = true;
  // In order: a large waiter at the front is not overtaken by small ones
  // behind it, or it could wait for ever.
  while (!waiters_.empty() && fits(waiters_.front().bytes)) {
    Waiter next = std::move(waiters_.front());
    waiters_.pop_front();
    next.ready(take(next.bytes));
  }
  serving_ = false;
}

}  // namespace parley::core
