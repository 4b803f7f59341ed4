#include "weir/runtime/channel.h"

#include <atomic>

#include <arrow/array.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <gtest/gtest.h>

namespace weir::runtime {
namespace {

struct CountingWaker : Waker {
  std::atomic<int> wakes{0};
  void Wake() override { ++wakes; }
};

StreamElement SomeBatch(int64_t bytes) {
  auto schema = arrow::schema({arrow::field("x", arrow::int64())});
  auto array = std::make_shared<arrow::Int64Array>(0, nullptr);
  return StreamElement::Batch(arrow::RecordBatch::Make(schema, 0, {array}), bytes);
}

TEST(ChannelTest, FullChannelBlocksProducerUntilConsumerMakesRoom) {
  InputGate gate(ChannelCapacity{2, 1 << 20});
  Channel* c = gate.AddChannel(0);
  CountingWaker producer, consumer;
  auto e = SomeBatch(10);
  EXPECT_EQ(c->TryPush(e, &producer), Channel::PushResult::kOk);
  e = SomeBatch(10);
  EXPECT_EQ(c->TryPush(e, &producer), Channel::PushResult::kOk);
  e = SomeBatch(10);
  EXPECT_EQ(c->TryPush(e, &producer), Channel::PushResult::kFull);
  // Watermarks are never refused: they must not wait behind data capacity.
  auto wm = StreamElement::Watermark(5);
  EXPECT_EQ(c->TryPush(wm, &producer), Channel::PushResult::kOk);
  EXPECT_EQ(producer.wakes, 0);
  ASSERT_TRUE(gate.Poll(&consumer).has_value());
  EXPECT_EQ(producer.wakes, 1);
  EXPECT_EQ(c->TryPush(e, &producer), Channel::PushResult::kOk);
}

TEST(ChannelTest, ByteLimitAndConsumerWakeup) {
  InputGate gate(ChannelCapacity{100, 100});
  Channel* a = gate.AddChannel(0);
  Channel* b = gate.AddChannel(1);
  CountingWaker producer, consumer;
  EXPECT_FALSE(gate.Poll(&consumer).has_value());
  auto e = SomeBatch(150);  // one oversize batch passes
  EXPECT_EQ(a->TryPush(e, &producer), Channel::PushResult::kOk);
  EXPECT_EQ(consumer.wakes, 1);
  e = SomeBatch(1);
  EXPECT_EQ(a->TryPush(e, &producer), Channel::PushResult::kFull);
  auto end = StreamElement::EndOfInput();
  EXPECT_EQ(b->TryPush(end, &producer), Channel::PushResult::kOk);
  auto first = gate.Poll(&consumer);
  auto second = gate.Poll(&consumer);
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->channel, second->channel);  // round-robin
  EXPECT_EQ(gate.logical_input(1), 1);
}

TEST(ChannelTest, CloseWakesEveryoneAndRefusesPushes) {
  InputGate gate(ChannelCapacity{1, 1 << 20});
  Channel* c = gate.AddChannel(0);
  CountingWaker producer, consumer;
  auto e = SomeBatch(1);
  ASSERT_EQ(c->TryPush(e, &producer), Channel::PushResult::kOk);
  e = SomeBatch(1);
  ASSERT_EQ(c->TryPush(e, &producer), Channel::PushResult::kFull);
  gate.Close();
  EXPECT_EQ(producer.wakes, 1);
  EXPECT_EQ(c->TryPush(e, &producer), Channel::PushResult::kClosed);
  EXPECT_FALSE(gate.Poll(&consumer).has_value());
}

}  // namespace
}  // namespace weir::runtime
