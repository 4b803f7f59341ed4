#include "weir/planner/execution_config.h"

#include <gtest/gtest.h>

namespace weir::planner {
namespace {

using std::chrono::milliseconds;

TEST(ExecutionConfigTest, ParsesFlinkKeysOnce) {
  auto config = ExecutionConfig::FromSettings({
      {"execution.runtime-mode", "batch"},
      {"parallelism.default", "4"},
      {"execution.checkpointing.interval", "10 s"},
      {"state.checkpoints.num-retained", "3"},
      {"restart-strategy.type", "none"},
      {"table.exec.source.idle-timeout", "500ms"},
      {"table.optimizer.join-reorder-enabled", "FALSE"},
      {"weir.execution.stall-timeout", "0"},
  });
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->streaming);
  EXPECT_EQ(config->parallelism, 4);
  EXPECT_EQ(config->checkpoint_interval, milliseconds(10000));
  EXPECT_EQ(config->checkpoints_retained, 3);
  EXPECT_FALSE(config->restart);
  EXPECT_EQ(config->idle_timeout, milliseconds(500));
  EXPECT_FALSE(config->join_reorder);
  EXPECT_TRUE(config->runtime_filters);
  EXPECT_EQ(config->stall_timeout, milliseconds(0));
}

TEST(ExecutionConfigTest, DefaultsAreFlinks) {
  auto config = ExecutionConfig::FromSettings({});
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->streaming);
  EXPECT_FALSE(config->checkpoint_interval.has_value());
  EXPECT_TRUE(config->restart);
}

TEST(ExecutionConfigTest, ErrorsNameTheKey) {
  auto unknown = ExecutionConfig::Check("parallelism.defualt", "2");
  EXPECT_NE(unknown.message().find("did you mean 'parallelism.default'"),
            std::string::npos)
      << unknown;
  auto bad = ExecutionConfig::Check("parallelism.default", "0");
  EXPECT_NE(bad.message().find("expected 1 to 1024"), std::string::npos) << bad;
  auto duration = ExecutionConfig::Check("execution.checkpointing.interval", "soon");
  EXPECT_NE(duration.message().find("SET 'execution.checkpointing.interval'"),
            std::string::npos)
      << duration;
  auto flag = ExecutionConfig::Check("table.optimizer.runtime-filter.enabled", "yes");
  EXPECT_NE(flag.message().find("expected true or false"), std::string::npos) << flag;
  EXPECT_FALSE(ExecutionConfig::FromSettings({{"execution.runtime-mode", "fast"}}).ok());
}

}  // namespace
}  // namespace weir::planner
