#include "weir/runtime/channel.h"

#include <arrow/util/byte_size.h>

namespace weir::runtime {

int64_t BatchBytes(const arrow::RecordBatch& batch) {
  auto size = arrow::util::ReferencedBufferSize(batch);
  return size.ok() ? *size : 0;
}

Channel::PushResult Channel::TryPush(StreamElement& element, Waker* producer) {
  Waker* wake = nullptr;
  {
    std::lock_guard<std::mutex> lock(gate_->mu_);
    if (gate_->closed_) return PushResult::kClosed;
    const bool is_batch = element.kind == StreamElement::Kind::kBatch;
    if (is_batch && (batches_ >= gate_->capacity_.max_batches ||
                     bytes_ >= gate_->capacity_.max_bytes)) {
      blocked_producer_ = producer;
      return PushResult::kFull;
    }
    if (is_batch) {
      ++batches_;
      bytes_ += element.bytes;
    }
    queue_.push_back(std::move(element));
    wake = gate_->consumer_;
    gate_->consumer_ = nullptr;
  }
  if (wake) wake->Wake();
  return PushResult::kOk;
}

int64_t Channel::size() const {
  std::lock_guard<std::mutex> lock(gate_->mu_);
  return static_cast<int64_t>(queue_.size());
}

Channel* InputGate::AddChannel(int logical_input) {
  std::lock_guard<std::mutex> lock(mu_);
  channels_.emplace_back(new Channel(this, logical_input));
  return channels_.back().get();
}

std::optional<InputGate::Polled> InputGate::Poll(Waker* consumer,
                                                 const std::vector<char>* blocked) {
  Waker* wake = nullptr;
  std::optional<Polled> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const size_t n = channels_.size();
    for (size_t k = 0; k < n && !out; ++k) {
      const size_t i = (next_ + k) % n;
      Channel& c = *channels_[i];
      if (c.queue_.empty() || (blocked && (*blocked)[i])) continue;
      out.emplace(Polled{static_cast<int>(i), std::move(c.queue_.front())});
      c.queue_.pop_front();
      if (out->element.kind == StreamElement::Kind::kBatch) {
        --c.batches_;
        c.bytes_ -= out->element.bytes;
        if (c.blocked_producer_ && c.batches_ < capacity_.max_batches &&
            c.bytes_ < capacity_.max_bytes) {
          wake = c.blocked_producer_;
          c.blocked_producer_ = nullptr;
        }
      }
      next_ = (i + 1) % n;
    }
    if (!out) consumer_ = consumer;
  }
  if (wake) wake->Wake();
  return out;
}

void InputGate::Close() {
  std::vector<Waker*> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    for (auto& c : channels_) {
      if (c->blocked_producer_) wake.push_back(c->blocked_producer_);
      c->blocked_producer_ = nullptr;
      c->queue_.clear();
      c->batches_ = c->bytes_ = 0;
    }
    if (consumer_) wake.push_back(consumer_);
    consumer_ = nullptr;
  }
  for (Waker* w : wake) w->Wake();
}

}  // namespace weir::runtime
