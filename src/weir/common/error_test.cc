#include "weir/common/error.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(ErrorTest, UserErrorsExitWithOne) {
  EXPECT_EQ(ExitCodeFor(UserError("bad option {}", "x")), 1);
  EXPECT_EQ(ExitCodeFor(arrow::Status::IOError("no such file")), 1);
  EXPECT_EQ(ExitCodeFor(arrow::Status::NotImplemented("encryption")), 1);
}

TEST(ErrorTest, InternalErrorsExitWithTwo) {
  EXPECT_EQ(ExitCodeFor(InternalError("broken invariant")), 2);
  EXPECT_EQ(ExitCodeFor(arrow::Status::OutOfMemory("oom")), 2);
  EXPECT_EQ(ExitCodeFor(arrow::Status::OK()), 0);
}

TEST(ErrorTest, WithContextKeepsCodeAndPrefixesMessage) {
  auto st = WithContext(UserError("bad magic"), "data/x.parquet");
  EXPECT_TRUE(st.IsInvalid());
  EXPECT_EQ(st.message(), "data/x.parquet: bad magic");
  EXPECT_TRUE(WithContext(arrow::Status::OK(), "x").ok());
}

}  // namespace
}  // namespace weir
