#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "weir/runtime/stream_element.h"

namespace weir::runtime {

/// Something a channel wakes when it can make progress again: a task blocked on an
/// empty input or a full output. Wake() may be called from any thread, any number of
/// times; it must not block.
class Waker {
 public:
  virtual ~Waker() = default;
  /// Asks for the waker's owner to be run again.
  virtual void Wake() = 0;
};

/// How much a channel holds before its producer must wait. A batch is accepted while
/// the channel is below both limits, so one batch larger than `max_bytes` still passes.
/// Watermarks and markers do not count.
struct ChannelCapacity {
  /// Most batches queued.
  int64_t max_batches = 8;
  /// Most bytes queued (sum of the batches' referenced buffers).
  int64_t max_bytes = 32LL << 20;
};

class InputGate;

/// A bounded FIFO from one producer subtask to one consumer subtask. Thread-safe:
/// one producer pushes, the consumer pops through its InputGate.
class Channel {
 public:
  /// What TryPush did.
  enum class PushResult { kOk, kFull, kClosed };

  /// Appends `element` (moved from on kOk). On kFull nothing is taken and `producer`
  /// is woken once the channel has room; on kClosed the consumer is gone.
  PushResult TryPush(StreamElement& element, Waker* producer);

  /// Returns the number of queued elements (for tests and metrics).
  int64_t size() const;

 private:
  friend class InputGate;
  Channel(InputGate* gate, int logical_input)
      : gate_(gate), logical_input_(logical_input) {}

  InputGate* gate_;
  int logical_input_;
  std::deque<StreamElement> queue_;  // guarded by gate_->mu_
  int64_t batches_ = 0;
  int64_t bytes_ = 0;
  Waker* blocked_producer_ = nullptr;
};

/// The input side of a consumer subtask: every channel that feeds it, with one lock
/// and one waiting consumer.
class InputGate {
 public:
  /// Makes a gate whose channels hold at most `capacity` each.
  explicit InputGate(ChannelCapacity capacity) : capacity_(capacity) {}

  /// Adds a channel feeding logical input `logical_input` (0 for single-input
  /// operators; 0 or 1 for two-input ones) and returns it; owned by the gate.
  Channel* AddChannel(int logical_input);

  /// One popped element and the channel it came from.
  struct Polled {
    int channel;
    StreamElement element;
  };

  /// Pops the next element, visiting channels round-robin and skipping channels
  /// marked in `blocked` (those aligning a checkpoint barrier). Returns nullopt when
  /// every unblocked channel is empty; `consumer` is then woken when an element
  /// arrives.
  std::optional<Polled> Poll(Waker* consumer, const std::vector<char>* blocked = nullptr);

  /// Closes the gate: pushes fail with kClosed and blocked producers wake. Used on
  /// cancellation and failure.
  void Close();

  /// Returns the number of channels.
  int num_channels() const { return static_cast<int>(channels_.size()); }

  /// Returns the logical input a channel feeds.
  int logical_input(int channel) const { return channels_[channel]->logical_input_; }

 private:
  friend class Channel;
  mutable std::mutex mu_;
  ChannelCapacity capacity_;
  std::vector<std::unique_ptr<Channel>> channels_;
  Waker* consumer_ = nullptr;
  size_t next_ = 0;
  bool closed_ = false;
};

}  // namespace weir::runtime
