#include "weir/planner/stall_watchdog.h"

#include <chrono>
#include <thread>

#include <arrow/api.h>
#include <gtest/gtest.h>

namespace weir::planner {
namespace {

using std::chrono::milliseconds;

arrow::Result<std::shared_ptr<arrow::Table>> EmptyTable() {
  return arrow::Table::MakeEmpty(arrow::schema({}));
}

TEST(StallWatchdogTest, IdleQueryIsAbandonedWithAClearError) {
  auto progress = std::make_shared<QueryProgress>();
  auto start = std::chrono::steady_clock::now();
  auto result = RunWithStallWatchdog(
      [] {
        std::this_thread::sleep_for(milliseconds(1500));
        return EmptyTable();
      },
      progress, milliseconds(300));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("made no progress"), std::string::npos)
      << result.status();
  EXPECT_TRUE(progress->abandoned.load());
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1400));
}

TEST(StallWatchdogTest, QueryReadingBatchesIsNotAbandoned) {
  auto progress = std::make_shared<QueryProgress>();
  auto result = RunWithStallWatchdog(
      [progress] {
        for (int i = 0; i < 8; ++i) {  // idle CPU, but a batch every 100 ms
          std::this_thread::sleep_for(milliseconds(100));
          progress->batches.fetch_add(1);
        }
        return EmptyTable();
      },
      progress, milliseconds(400));
  EXPECT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(progress->abandoned.load());
}

TEST(StallWatchdogTest, BusyQueryIsNotAbandoned) {
  auto progress = std::make_shared<QueryProgress>();
  auto result = RunWithStallWatchdog(
      [] {
        auto end = std::chrono::steady_clock::now() + milliseconds(800);
        volatile uint64_t x = 0;
        while (std::chrono::steady_clock::now() < end) x = x + 1;  // all CPU, no batch
        return EmptyTable();
      },
      progress, milliseconds(300));
  EXPECT_TRUE(result.ok()) << result.status();
}

TEST(StallWatchdogTest, ErrorsAndZeroTimeoutPassThrough) {
  auto progress = std::make_shared<QueryProgress>();
  auto failed = RunWithStallWatchdog(
      [] {
        return arrow::Result<std::shared_ptr<arrow::Table>>(arrow::Status::Invalid("x"));
      },
      progress, milliseconds(300));
  EXPECT_TRUE(failed.status().IsInvalid());
  EXPECT_TRUE(RunWithStallWatchdog(EmptyTable, progress, milliseconds(0)).ok());
}

}  // namespace
}  // namespace weir::planner
