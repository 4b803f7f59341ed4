// Special scalar functions, bound from SQL text and evaluated on a small batch.
// Expected values are Flink's (docs/dev/table/functions/systemfunctions).

#include <chrono>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <arrow/compute/expression.h>
#include <arrow/json/from_string.h>
#include <gtest/gtest.h>

#include <set>

#include "weir/common/runtime_init.h"
#include "weir/sql/bind/expression_binder.h"
#include "weir/sql/functions/custom_kernels.h"
#include "weir/sql/functions/java_date_format.h"
#include "weir/sql/parse/expression_parser.h"

namespace weir::sql {
namespace {

namespace cp = arrow::compute;

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class ScalarFunctionsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(weir::InitializeRuntime().ok());
    // TRY_CAST and array[i] bind to weir kernels without a function call.
    ASSERT_TRUE(RegisterSqlKernels().ok());
  }

  void SetUp() override {
    auto person = arrow::struct_(
        {arrow::field("Name", arrow::utf8()), arrow::field("age", arrow::int32())});
    schema_ = arrow::schema({
        arrow::field("s", arrow::utf8()),
        arrow::field("n", arrow::int64()),
        arrow::field("i", arrow::int32()),
        arrow::field("d", arrow::float64()),
        arrow::field("amount", arrow::decimal128(10, 2)),
        arrow::field("b", arrow::boolean()),
        arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO)),
        arrow::field("ts_utc", arrow::timestamp(arrow::TimeUnit::MILLI, "UTC")),
        arrow::field("day", arrow::date32()),
        arrow::field("arr", arrow::list(arrow::int32())),
        arrow::field("m", arrow::map(arrow::utf8(), arrow::int32())),
        arrow::field("people", arrow::list(person)),
        arrow::field("num_text", arrow::utf8()),
        arrow::field("big_text", arrow::large_utf8()),
    });
    std::vector<std::string> columns = {
        R"(["hello world", "Flink", null, ""])",
        "[1, -2, null, 5]",
        "[10, 20, null, 40]",
        "[2.5, -2.5, null, 1.234]",
        R"(["1.25", "-1.25", null, "9.99"])",
        "[true, false, null, true]",
        R"(["2024-01-31 12:34:56.789123", "1994-09-27 13:14:15", null,
            "2024-03-03 00:00:00"])",
        R"(["2024-01-31 23:30:00", "2024-01-31 00:00:00", null, "1970-01-01 00:00:00"])",
        // 1994-09-27, 2024-01-31, null, 2024-03-03 (a Sunday).
        "[9035, 19753, null, 19785]",
        "[[1, 2, 3], [], null, [4]]",
        R"([[["a", 1], ["b", 2]], [], null, [["c", 3]]])",
        R"([[{"Name": "ann", "age": 3}], [], null, [{"Name": null, "age": 5}]])",
        R"(["12", "abc", null, "7"])",
        R"(["x-y", "z", null, "w"])",
    };
    arrow::ArrayVector arrays;
    for (size_t i = 0; i < columns.size(); ++i) {
      auto array = arrow::json::ArrayFromJSONString(
          schema_->field(static_cast<int>(i))->type(), columns[i]);
      ASSERT_TRUE(array.ok()) << i << ": " << array.status().ToString();
      arrays.push_back(*array);
    }
    batch_ = arrow::RecordBatch::Make(schema_, 4, arrays);
  }

  arrow::Result<BoundExpr> Bind(std::string_view text) {
    ARROW_ASSIGN_OR_RAISE(ExprPtr expr, ParseExpression(text));
    return BindWithHooks(*expr, *schema_, text, BindHooks{});
  }

  // Evaluates `text` on the batch: each row's value as text, NULL for nulls,
  // joined with '|'.
  std::string Eval(std::string_view text) {
    auto bound = Bind(text);
    if (!bound.ok()) {
      ADD_FAILURE() << text << ":\n" << bound.status().message();
      return "<bind error>";
    }
    auto result = cp::ExecuteScalarExpression(bound->expr, *schema_, batch_);
    if (!result.ok()) {
      ADD_FAILURE() << text << ": " << result.status().ToString();
      return "<error>";
    }
    std::shared_ptr<arrow::Array> array;
    if (result->is_scalar()) {
      array = *arrow::MakeArrayFromScalar(*result->scalar(), batch_->num_rows());
    } else {
      array = result->make_array();
    }
    std::string out;
    for (int64_t i = 0; i < array->length(); ++i) {
      if (i > 0) out += '|';
      auto scalar = *array->GetScalar(i);
      out += scalar->is_valid ? scalar->ToString() : "NULL";
    }
    return out;
  }

  // Evaluates an expression without columns: its single value.
  std::string Value(std::string_view text) {
    std::string all = Eval(text);
    return all.substr(0, all.find('|'));
  }

  std::string TypeOf(std::string_view text) {
    auto bound = Bind(text);
    if (!bound.ok()) return "<error: " + bound.status().message() + ">";
    return bound->type->ToString();
  }

  std::string Error(std::string_view text) {
    auto bound = Bind(text);
    EXPECT_FALSE(bound.ok()) << "expected an error for: " << text;
    if (bound.ok()) return "";
    EXPECT_TRUE(bound.status().IsInvalid()) << bound.status().ToString();
    return bound.status().message();
  }

  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<arrow::RecordBatch> batch_;
};

TEST_F(ScalarFunctionsTest, If) {
  // A NULL condition picks the false branch.
  EXPECT_EQ(Eval("IF(n > 0, 'pos', 'neg')"), "pos|neg|neg|pos");
  EXPECT_EQ(Value("IF(5 > 3, 5, 3)"), "5");
  EXPECT_EQ(TypeOf("IF(b, i, d)"), "double");
  EXPECT_EQ(Eval("IF(b, n, NULL)"), "1|NULL|NULL|5");
  EXPECT_TRUE(Contains(Error("IF(n, 1, 2)"),
                       "IF expects a boolean condition as argument 1 but got column "
                       "'n' of type int64"));
  EXPECT_TRUE(Contains(Error("IF(b, 1)"), "IF expects 3 arguments but got 2"));
  EXPECT_TRUE(Contains(Error("IF(b, s, n)"), "does not match the other values"));
}

TEST_F(ScalarFunctionsTest, NullIf) {
  EXPECT_EQ(Eval("NULLIF(n, 1)"), "NULL|-2|NULL|5");
  EXPECT_EQ(Value("NULLIF(5, 5)"), "NULL");
  EXPECT_EQ(Value("NULLIF(5, 0)"), "5");
  EXPECT_EQ(TypeOf("NULLIF(i, n)"), "int32");
  EXPECT_TRUE(Contains(Error("NULLIF(s, n)"), "NULLIF cannot compare"));
}

TEST_F(ScalarFunctionsTest, CoalesceAndIfNull) {
  EXPECT_EQ(Eval("COALESCE(n, 0)"), "1|-2|0|5");
  EXPECT_EQ(TypeOf("COALESCE(n, 0)"), "int64");
  EXPECT_EQ(Value("COALESCE(NULL, 'default')"), "default");
  EXPECT_EQ(Eval("COALESCE(NULL, i, n)"), "10|20|NULL|40");
  EXPECT_EQ(TypeOf("COALESCE(i, n)"), "int64");
  EXPECT_EQ(TypeOf("COALESCE(i, d)"), "double");
  EXPECT_EQ(Eval("IFNULL(n, 7)"), "1|-2|7|5");
  EXPECT_EQ(Value("COALESCE(NULL, NULL)"), "NULL");
  EXPECT_TRUE(
      Contains(Error("COALESCE(s, 1)"),
               "integer literal 1 of type int32 does not match the other values"));
  EXPECT_TRUE(Contains(Error("COALESCE(s, n)"), "does not match the other values"));
  EXPECT_TRUE(
      Contains(Error("COALESCE()"), "COALESCE expects at least 1 argument but got 0"));
  EXPECT_TRUE(Contains(Error("IFNULL(n)"), "IFNULL expects 2 arguments but got 1"));
}

TEST_F(ScalarFunctionsTest, GreatestAndLeastAreNullWhenAnyArgumentIs) {
  EXPECT_EQ(Value("GREATEST(1, 3, 2)"), "3");
  EXPECT_EQ(Value("LEAST(1, 3, 2)"), "1");
  EXPECT_EQ(Eval("GREATEST(n, 0)"), "1|0|NULL|5");
  EXPECT_EQ(Eval("LEAST(n, 0)"), "0|-2|NULL|0");
  EXPECT_EQ(Value("GREATEST(1, NULL)"), "NULL");
  EXPECT_EQ(Value("GREATEST('apple', 'banana')"), "banana");
  EXPECT_EQ(TypeOf("GREATEST(i, d)"), "double");
  EXPECT_TRUE(Contains(Error("GREATEST(1, 'a')"), "does not match the other values"));
  EXPECT_TRUE(Contains(Error("LEAST(n, s)"), "does not match the other values"));
}

TEST_F(ScalarFunctionsTest, Concat) {
  EXPECT_EQ(Value("CONCAT('AA', 'BB', 'CC')"), "AABBCC");
  EXPECT_EQ(Eval("CONCAT('<', s, '>')"), "<hello world>|<Flink>|NULL|<>");
  EXPECT_EQ(Value("CONCAT('a', NULL)"), "NULL");
  EXPECT_EQ(Value("CONCAT_WS('~', 'AA', NULL, 'BB', '', 'CC')"), "AA~BB~~CC");
  EXPECT_EQ(Eval("CONCAT_WS('-', s, 'x')"), "hello world-x|Flink-x|x|-x");
  EXPECT_EQ(Value("CONCAT_WS(NULL, 'a', 'b')"), "NULL");
  EXPECT_EQ(Eval("CONCAT(big_text, '!')"), "x-y!|z!|NULL|w!");
  EXPECT_TRUE(Contains(Error("CONCAT('a', n)"),
                       "CONCAT expects a string as argument 2 but got column 'n'"));
}

TEST_F(ScalarFunctionsTest, Substring) {
  EXPECT_EQ(Value("SUBSTRING('hello world', 7)"), "world");
  EXPECT_EQ(Value("SUBSTRING('hello world' FROM 1 FOR 5)"), "hello");
  EXPECT_EQ(Value("SUBSTR('Flink', 2, 2)"), "li");
  // A negative start counts from the end; before the beginning gives ''.
  EXPECT_EQ(Value("SUBSTRING('Flink', -3)"), "ink");
  EXPECT_EQ(Value("SUBSTRING('Flink', -3, 2)"), "in");
  EXPECT_EQ(Value("SUBSTRING('Flink', -10)"), "");
  EXPECT_EQ(Value("SUBSTRING('Flink', 0)"), "Flink");
  EXPECT_EQ(Value("SUBSTRING('Flink', 10)"), "");
  EXPECT_EQ(Value("SUBSTRING('Flink', 2, 100)"), "link");
  EXPECT_EQ(Value("SUBSTRING('Flink', 2, -1)"), "NULL");
  EXPECT_EQ(Value("SUBSTRING('Grüße', 3, 2)"), "üß");
  EXPECT_EQ(Eval("SUBSTRING(s, 2, 3)"), "ell|lin|NULL|");
  EXPECT_EQ(Eval("SUBSTRING(s, n)"), "hello world|nk|NULL|");
  EXPECT_TRUE(
      Contains(Error("SUBSTRING('a')"), "SUBSTRING expects 2 or 3 arguments but got 1"));
  EXPECT_TRUE(Contains(Error("SUBSTRING(n, 1)"),
                       "SUBSTRING expects a string as argument 1 but got column 'n' of "
                       "type int64"));
  EXPECT_TRUE(Contains(Error("SUBSTR(s, 'x')"),
                       "SUBSTR expects an integer as argument 2 but got string literal"));
}

TEST_F(ScalarFunctionsTest, LeftRightRepeatReverseInitcap) {
  EXPECT_EQ(Value("LEFT('Flink', 2)"), "Fl");
  EXPECT_EQ(Value("LEFT('Flink', -1)"), "");
  EXPECT_EQ(Value("RIGHT('Flink', 3)"), "ink");
  EXPECT_EQ(Value("RIGHT('Flink', 10)"), "Flink");
  EXPECT_EQ(Value("RIGHT('Flink', -1)"), "");
  EXPECT_EQ(Value("REPEAT('ab', 3)"), "ababab");
  EXPECT_EQ(Value("REPEAT('ab', -1)"), "");
  EXPECT_EQ(Eval("REPEAT(s, 2)"), "hello worldhello world|FlinkFlink|NULL|");
  EXPECT_EQ(Value("REVERSE('Grüße')"), "eßürG");
  EXPECT_EQ(Value("INITCAP('hello wORLD, 1st-time')"), "Hello World, 1st-Time");
  EXPECT_EQ(Eval("INITCAP(s)"), "Hello World|Flink|NULL|");
}

TEST_F(ScalarFunctionsTest, Trim) {
  EXPECT_EQ(Value("TRIM('  x  ')"), "x");
  EXPECT_EQ(Value("TRIM(LEADING 'x' FROM 'xxaxx')"), "axx");
  EXPECT_EQ(Value("TRIM(TRAILING 'x' FROM 'xxaxx')"), "xxa");
  EXPECT_EQ(Value("TRIM(BOTH 'xy' FROM 'xyaxy')"), "a");
  EXPECT_EQ(Value("LTRIM(' a ')"), "a ");
  EXPECT_EQ(Value("RTRIM(' a ')"), " a");
  EXPECT_EQ(Value("BTRIM('xxaxx', 'x')"), "a");
  EXPECT_EQ(Eval("TRIM(BOTH 'o' FROM s)"), "hello world|Flink|NULL|");
  EXPECT_EQ(Value("TRIM(NULL FROM 'a')"), "NULL");
  EXPECT_TRUE(Contains(Error("TRIM(s FROM 'abc')"),
                       "TRIM expects a constant string of characters as argument 2"));
}

TEST_F(ScalarFunctionsTest, ReplaceAndRegularExpressions) {
  EXPECT_EQ(Value("REPLACE('hello world', 'world', 'flink')"), "hello flink");
  EXPECT_EQ(Value("REPLACE('ababab', 'abab', 'z')"), "zab");
  EXPECT_EQ(Eval("REPLACE(s, 'l', 'L')"), "heLLo worLd|FLink|NULL|");
  EXPECT_EQ(Value("REGEXP_REPLACE('foobar', 'oo|ar', '')"), "fb");
  // The replacement is literal text.
  EXPECT_EQ(Value("REGEXP_REPLACE('a.b', '[.]', '\\1$')"), "a\\1$b");
  EXPECT_EQ(Value("REGEXP_EXTRACT('foothebar', 'foo(.*?)(bar)', 2)"), "bar");
  EXPECT_EQ(Value("REGEXP_EXTRACT('foothebar', 'foo(.*?)(bar)', 1)"), "the");
  EXPECT_EQ(Value("REGEXP_EXTRACT('foothebar', 'foo(.*?)(bar)')"), "foothebar");
  EXPECT_EQ(Value("REGEXP_EXTRACT('foothebar', 'foo(?:x|t)(h)(e)', 2)"), "e");
  EXPECT_EQ(Value("REGEXP_EXTRACT('foothebar', 'foo(.*?)(bar)', 3)"), "NULL");
  EXPECT_EQ(Value("REGEXP_EXTRACT('foothebar', 'x(y)', 1)"), "NULL");
  EXPECT_EQ(Eval("REGEXP_EXTRACT(s, '([a-z]+)k$', 1)"), "NULL|lin|NULL|NULL");
  EXPECT_TRUE(Contains(Error("REPLACE(s, s, 'x')"),
                       "REPLACE expects a constant search string as argument 2"));
  EXPECT_TRUE(
      Contains(Error("REGEXP_REPLACE(s, '(', 'x')"),
               "REGEXP_REPLACE got an invalid regular expression '(': missing )"));
  EXPECT_TRUE(
      Contains(Error("REGEXP_EXTRACT(s, 'a(')"),
               "REGEXP_EXTRACT got an invalid regular expression 'a(': missing )"));
}

TEST_F(ScalarFunctionsTest, SplitIndexAndPosition) {
  EXPECT_EQ(Value("SPLIT_INDEX('Jack,John,Mary', ',', 2)"), "Mary");
  EXPECT_EQ(Value("SPLIT_INDEX('a,b,,c', ',', 2)"), "");
  EXPECT_EQ(Value("SPLIT_INDEX('a,b,,c', ',', 3)"), "c");
  EXPECT_EQ(Value("SPLIT_INDEX('a,b,,c', ',', 4)"), "NULL");
  EXPECT_EQ(Value("SPLIT_INDEX('a,b,,c', ',', -1)"), "NULL");
  EXPECT_EQ(Value("SPLIT_INDEX('a::b', '::', 1)"), "b");
  EXPECT_EQ(Eval("SPLIT_INDEX(s, ' ', 1)"), "world|NULL|NULL|NULL");
  EXPECT_EQ(Value("POSITION('in', 'Flink')"), "3");
  EXPECT_EQ(Value("POSITION('x', 'Flink')"), "0");
  EXPECT_EQ(Value("POSITION('ß', 'Grüße')"), "4");
  EXPECT_EQ(Value("POSITION('', 'Flink')"), "1");
  EXPECT_EQ(Value("INSTR('Flink', 'in')"), "3");
  EXPECT_EQ(Eval("POSITION('l', s)"), "3|2|NULL|0");
  EXPECT_EQ(TypeOf("POSITION('l', s)"), "int32");
}

TEST_F(ScalarFunctionsTest, UnixTime) {
  EXPECT_EQ(Value("FROM_UNIXTIME(0)"), "1970-01-01 00:00:00");
  EXPECT_EQ(Value("FROM_UNIXTIME(1700000000, 'yyyy-MM-dd')"), "2023-11-14");
  EXPECT_EQ(Value("FROM_UNIXTIME(CAST(NULL AS BIGINT))"), "NULL");
  EXPECT_EQ(Value("UNIX_TIMESTAMP('1970-01-01 00:00:10')"), "10");
  EXPECT_EQ(Value("UNIX_TIMESTAMP('2023-11-14', 'yyyy-MM-dd')"), "1699920000");
  EXPECT_EQ(Value("UNIX_TIMESTAMP('1969-12-31 23:59:59.5')"), "-1");  // rounded down
  EXPECT_EQ(Value("UNIX_TIMESTAMP('not a time')"), "NULL");
  EXPECT_EQ(Value("UNIX_TIMESTAMP() > 1700000000"), "true");
  EXPECT_EQ(TypeOf("UNIX_TIMESTAMP()"), "int64");
}

TEST_F(ScalarFunctionsTest, DigestsLocateAndUuid) {
  EXPECT_EQ(Value("MD5('hello')"), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(Value("SHA1('hello')"), "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
  EXPECT_EQ(Value("SHA256('hello')"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(Value("SHA2('hello', 224)"),
            "ea09ae9cc6768c50fcee903ed054556e5bfc8347907f12598aa24193");
  EXPECT_EQ(Value("SHA2('hello', 256)"), Value("SHA256('hello')"));
  EXPECT_EQ(Value("SHA2('hello', 7)"), "NULL");
  EXPECT_EQ(Value("MD5(CAST(NULL AS STRING))"), "NULL");
  EXPECT_EQ(Value("LOCATE('in', 'Flink in')"), "3");
  EXPECT_EQ(Value("LOCATE('in', 'Flink in', 4)"), "7");
  EXPECT_EQ(Value("LOCATE('ß', 'Grüße', 2)"), "4");
  EXPECT_EQ(Value("LOCATE('x', 'abc')"), "0");
  EXPECT_EQ(Value("LOCATE('a', 'abc', 0)"), "0");
  EXPECT_EQ(Eval("CHAR_LENGTH(UUID())"), "36|36|36|36");
  // A new UUID for every row, version 4.
  std::string uuids = Eval("UUID()");
  std::set<std::string> distinct;
  for (size_t start = 0, bar; start <= uuids.size(); start = bar + 1) {
    bar = uuids.find('|', start);
    if (bar == std::string::npos) bar = uuids.size();
    std::string one = uuids.substr(start, bar - start);
    EXPECT_EQ(one[14], '4') << one;
    distinct.insert(one);
  }
  EXPECT_EQ(distinct.size(), 4u);
}

// The parser reads `'in' IN 'Flink'` inside POSITION( as an IN predicate; enable
// once ParseSpecialCall parses the needle above IN's precedence.
TEST_F(ScalarFunctionsTest, PositionIn) {
  EXPECT_EQ(Value("POSITION('in' IN 'Flink')"), "3");
  EXPECT_EQ(Eval("POSITION('l' IN s)"), "3|2|NULL|0");
}

TEST_F(ScalarFunctionsTest, Pad) {
  EXPECT_EQ(Value("LPAD('hi', 4, '**')"), "**hi");
  EXPECT_EQ(Value("LPAD('hi', 1, '**')"), "h");
  EXPECT_EQ(Value("LPAD('hi', 5, 'ab')"), "abahi");
  EXPECT_EQ(Value("RPAD('hi', 4, '**')"), "hi**");
  EXPECT_EQ(Value("RPAD('hi', 1, '**')"), "h");
  EXPECT_EQ(Value("RPAD('hi', 5, 'ab')"), "hiaba");
  EXPECT_EQ(Value("LPAD('hi', -1, 'a')"), "NULL");
  EXPECT_EQ(Value("LPAD('hi', 3, '')"), "NULL");
  EXPECT_EQ(Eval("LPAD(s, 3, '*')"), "hel|Fli|NULL|***");
  EXPECT_TRUE(
      Contains(Error("LPAD('a', 'b', 'c')"),
               "LPAD expects an integer as argument 2 but got string literal 'b'"));
}

TEST_F(ScalarFunctionsTest, StartsAndEndsWith) {
  EXPECT_EQ(Eval("STARTSWITH(s, 'Fl')"), "false|true|NULL|false");
  EXPECT_EQ(Eval("ENDSWITH(s, 'ld')"), "true|false|NULL|false");
}

TEST_F(ScalarFunctionsTest, RoundAndTruncate) {
  // Half away from zero, like Java's RoundingMode.HALF_UP.
  EXPECT_EQ(Value("ROUND(2.5)"), "3");
  EXPECT_EQ(Value("ROUND(-2.5)"), "-3");
  EXPECT_EQ(Value("ROUND(1.234, 2)"), "1.23");
  EXPECT_EQ(Eval("ROUND(d)"), "3|-3|NULL|1");
  EXPECT_EQ(Eval("ROUND(d, 1)"), "2.5|-2.5|NULL|1.2");
  EXPECT_EQ(Eval("ROUND(amount, 1)"), "1.3|-1.3|NULL|10.0");
  EXPECT_EQ(TypeOf("ROUND(amount, 1)"), "decimal128(10, 1)");
  EXPECT_EQ(TypeOf("ROUND(amount, 3)"), "decimal128(10, 2)");
  EXPECT_EQ(Eval("ROUND(i)"), "10|20|NULL|40");
  EXPECT_EQ(Value("ROUND(15, -1)"), "20");
  EXPECT_EQ(Value("ROUND(-15, -1)"), "-20");
  EXPECT_EQ(TypeOf("ROUND(i, -1)"), "int32");
  EXPECT_EQ(Eval("ROUND(d, n)"), "2.5|0|NULL|1.234");
  EXPECT_EQ(Value("TRUNCATE(1.789, 2)"), "1.78");
  EXPECT_EQ(Value("TRUNCATE(-1.789)"), "-1");
  EXPECT_EQ(Value("ROUND(NULL)"), "NULL");
  EXPECT_TRUE(Contains(Error("ROUND()"), "ROUND expects 1 or 2 arguments but got 0"));
  EXPECT_TRUE(Contains(Error("ROUND(s)"), "ROUND expects a number as argument 1"));
}

TEST_F(ScalarFunctionsTest, FloorAndCeil) {
  EXPECT_EQ(Eval("FLOOR(d)"), "2|-3|NULL|1");
  EXPECT_EQ(Eval("CEIL(d)"), "3|-2|NULL|2");
  EXPECT_EQ(Eval("CEILING(d)"), "3|-2|NULL|2");
  EXPECT_EQ(Eval("FLOOR(amount)"), "1|-2|NULL|9");
  EXPECT_EQ(Eval("CEIL(amount)"), "2|-1|NULL|10");
  EXPECT_EQ(TypeOf("FLOOR(amount)"), "decimal128(9, 0)");
  EXPECT_EQ(Eval("FLOOR(n)"), "1|-2|NULL|5");
  EXPECT_TRUE(Contains(Error("FLOOR(s)"), "FLOOR expects a number as argument 1"));
  EXPECT_TRUE(Contains(Error("FLOOR(ts)"),
                       "FLOOR expects a number as argument 1 but got column 'ts' of type "
                       "timestamp[us] (FLOOR(NUMERIC), FLOOR(TEMPORAL, SYMBOL))"));
}

TEST_F(ScalarFunctionsTest, ArityErrorsListTheSignatures) {
  EXPECT_TRUE(Contains(Error("SUBSTRING('a')"),
                       "SUBSTRING expects 2 or 3 arguments but got 1 (SUBSTRING(STRING, "
                       "INTEGER), SUBSTRING(STRING, INTEGER, INTEGER))"));
  EXPECT_TRUE(Contains(Error("ltrim()"),
                       "LTRIM expects 1 or 2 arguments but got 0 (LTRIM(STRING), "
                       "LTRIM(STRING, STRING))"));
  EXPECT_TRUE(
      Contains(Error("CONCAT_WS('-')"),
               "CONCAT_WS expects at least 2 arguments but got 1 (CONCAT_WS(STRING, "
               "STRING...))"));
  // Arguments are converted as declared: an INT length reaches the kernel as BIGINT.
  EXPECT_EQ(Eval("LEFT(s, CAST(2 AS INT))"), Eval("LEFT(s, 2)"));
}

TEST_F(ScalarFunctionsTest, PowersAndLogarithms) {
  EXPECT_EQ(Value("POWER(2, 10)"), "1024");
  EXPECT_EQ(Value("POW(4, 0.5)"), "2");
  EXPECT_EQ(Value("SQRT(16)"), "4");
  EXPECT_EQ(Value("LN(1)"), "0");
  EXPECT_EQ(Value("LOG10(1000)"), "3");
  EXPECT_EQ(Value("LOG2(8)"), "3");
  EXPECT_EQ(Value("LOG(2, 8)"), "3");
  EXPECT_EQ(Value("LOG(1)"), "0");
  EXPECT_EQ(Value("EXP(0)"), "1");
  EXPECT_EQ(Eval("SQRT(i)").substr(0, 7), "3.16227");
  EXPECT_EQ(TypeOf("SQRT(amount)"), "double");
  EXPECT_EQ(Value("SQRT(-1)"), "nan");
  EXPECT_EQ(Value("ATAN2(0, 1)"), "0");
  EXPECT_EQ(Value("PI()").substr(0, 7), "3.14159");
  EXPECT_TRUE(Contains(Error("SQRT('a')"),
                       "SQRT expects a number as argument 1 but got string literal 'a'"));
  EXPECT_TRUE(Contains(Error("POWER(2)"), "POWER expects 2 arguments but got 1"));
  EXPECT_TRUE(Contains(Error("PI(1)"), "PI expects 0 arguments but got 1"));
}

TEST_F(ScalarFunctionsTest, Sign) {
  EXPECT_EQ(Eval("SIGN(n)"), "1|-1|NULL|1");
  EXPECT_EQ(TypeOf("SIGN(n)"), "int64");
  EXPECT_EQ(Eval("SIGN(d)"), "1|-1|NULL|1");
  EXPECT_EQ(TypeOf("SIGN(d)"), "double");
  EXPECT_EQ(Eval("SIGN(amount)"), "1.00|-1.00|NULL|1.00");
}

TEST_F(ScalarFunctionsTest, Extract) {
  EXPECT_EQ(Eval("EXTRACT(YEAR FROM ts)"), "2024|1994|NULL|2024");
  EXPECT_EQ(Eval("EXTRACT(MONTH FROM ts)"), "1|9|NULL|3");
  EXPECT_EQ(Eval("EXTRACT(HOUR FROM ts)"), "12|13|NULL|0");
  EXPECT_EQ(Eval("EXTRACT(SECOND FROM ts)"), "56|15|NULL|0");
  EXPECT_EQ(Eval("EXTRACT(MILLISECOND FROM ts)"), "789|0|NULL|0");
  EXPECT_EQ(Eval("EXTRACT(MICROSECOND FROM ts)"), "789123|0|NULL|0");
  // Flink's DOW counts from Sunday = 1.
  EXPECT_EQ(Eval("EXTRACT(DOW FROM day)"), "3|4|NULL|1");
  EXPECT_EQ(Eval("DAYOFWEEK(ts)"), "4|3|NULL|1");
  EXPECT_EQ(Eval("EXTRACT(ISODOW FROM day)"), "2|3|NULL|7");
  EXPECT_EQ(TypeOf("EXTRACT(DAY FROM day)"), "int64");
  // The examples of Flink's documentation.
  EXPECT_EQ(Value("EXTRACT(DAY FROM DATE '2006-06-05')"), "5");
  EXPECT_EQ(Value("YEAR(DATE '1994-09-27')"), "1994");
  EXPECT_EQ(Value("QUARTER(DATE '1994-09-27')"), "3");
  EXPECT_EQ(Value("MONTH(DATE '1994-09-27')"), "9");
  EXPECT_EQ(Value("WEEK(DATE '1994-09-27')"), "39");
  EXPECT_EQ(Value("DAYOFYEAR(DATE '1994-09-27')"), "270");
  EXPECT_EQ(Value("DAYOFMONTH(DATE '1994-09-27')"), "27");
  EXPECT_EQ(Value("DAYOFWEEK(DATE '1994-09-27')"), "3");
  EXPECT_EQ(Value("HOUR(TIMESTAMP '1994-09-27 13:14:15')"), "13");
  EXPECT_EQ(Value("MINUTE(TIMESTAMP '1994-09-27 13:14:15')"), "14");
  EXPECT_EQ(Value("SECOND(TIMESTAMP '1994-09-27 13:14:15')"), "15");
  EXPECT_EQ(Value("EXTRACT(HOUR FROM DATE '1994-09-27')"), "0");
  EXPECT_EQ(Value("EXTRACT(EPOCH FROM TIMESTAMP '1970-01-02 00:00:01')"), "86401");
  EXPECT_EQ(Value("EXTRACT(CENTURY FROM DATE '2000-12-31')"), "20");
  EXPECT_EQ(Value("EXTRACT(DECADE FROM DATE '1994-09-27')"), "199");
  EXPECT_EQ(Value("EXTRACT(YEAR FROM NULL)"), "NULL");
  EXPECT_TRUE(Contains(Error("EXTRACT(YEAR FROM s)"),
                       "EXTRACT expects a date, time or timestamp as argument 2 but got "
                       "column 's'"));
  EXPECT_TRUE(Contains(Error("HOUR(ts, 1)"), "HOUR expects 1 argument but got 2"));
}

TEST_F(ScalarFunctionsTest, FloorAndCeilToAUnit) {
  EXPECT_EQ(Eval("FLOOR(ts TO HOUR)"),
            "2024-01-31 12:00:00.000000|1994-09-27 13:00:00.000000|NULL|"
            "2024-03-03 00:00:00.000000");
  EXPECT_EQ(Value("CEIL(TIMESTAMP '2024-01-31 12:34:56' TO DAY)"),
            "2024-02-01 00:00:00.000000");
  EXPECT_EQ(Value("FLOOR(TIMESTAMP '2024-01-31 12:34:56' TO MINUTE)"),
            "2024-01-31 12:34:00.000000");
  // Weeks start on Sunday: 2024-01-31 is a Wednesday.
  EXPECT_EQ(Value("FLOOR(DATE '2024-01-31' TO WEEK)"), "2024-01-28");
  EXPECT_EQ(Value("FLOOR(DATE '2024-02-15' TO MONTH)"), "2024-02-01");
  EXPECT_EQ(Value("FLOOR(DATE '2024-05-15' TO QUARTER)"), "2024-04-01");
  EXPECT_EQ(TypeOf("FLOOR(ts TO DAY)"), "timestamp[us]");
  EXPECT_TRUE(Contains(Error("FLOOR(ts TO DOW)"), "FLOOR expects a unit from YEAR"));
  EXPECT_TRUE(
      Contains(Error("CEIL(s TO DAY)"), "CEIL expects a date, time or timestamp"));
}

TEST_F(ScalarFunctionsTest, DateFormat) {
  EXPECT_EQ(Eval("DATE_FORMAT(ts, 'yyyy-MM-dd HH:mm:ss')"),
            "2024-01-31 12:34:56|1994-09-27 13:14:15|NULL|2024-03-03 00:00:00");
  EXPECT_EQ(Eval("DATE_FORMAT(ts)"),
            "2024-01-31 12:34:56|1994-09-27 13:14:15|NULL|2024-03-03 00:00:00");
  EXPECT_EQ(Value("DATE_FORMAT(TIMESTAMP '2024-01-31 12:34:56.789', "
                  "'yyyy/MM/dd HH:mm:ss.SSS')"),
            "2024/01/31 12:34:56.789");
  EXPECT_EQ(Value("DATE_FORMAT(TIMESTAMP '2024-01-31 12:34:56', 'EEE, MMM d, yy')"),
            "Wed, Jan 31, 24");
  EXPECT_EQ(Value("DATE_FORMAT(TIMESTAMP '2024-01-31 00:05:00', 'EEEE MMMM dd hh:mm a')"),
            "Wednesday January 31 12:05 AM");
  EXPECT_EQ(Value("DATE_FORMAT(TIMESTAMP '2024-01-31 12:34:56', "
                  "'yyyy-MM-dd''T''HH:mm''Z''')"),
            "2024-01-31T12:34Z");
  EXPECT_EQ(Value("DATE_FORMAT(DATE '2024-01-31', 'yyyyMMdd')"), "20240131");
  EXPECT_EQ(Value("DATE_FORMAT('2024-01-31 12:00:00', 'HH')"), "12");
  EXPECT_EQ(
      Value("DATE_FORMAT(TIMESTAMP '1969-12-31 23:59:59.5', 'yyyy-MM-dd HH:mm:ss.S')"),
      "1969-12-31 23:59:59.5");
  // Zoned values print their wall-clock time.
  EXPECT_EQ(Eval("DATE_FORMAT(ts_utc, 'MM-dd HH:mm')"),
            "01-31 23:30|01-31 00:00|NULL|01-01 00:00");
  EXPECT_TRUE(Contains(Error("DATE_FORMAT(ts, 'yyyy-ww')"), "unsupported letter 'w'"));
  EXPECT_TRUE(Contains(Error("DATE_FORMAT(n, 'yyyy')"),
                       "DATE_FORMAT expects a timestamp, date or string as argument 1"));
}

TEST_F(ScalarFunctionsTest, ToTimestampAndToDate) {
  EXPECT_EQ(Value("TO_TIMESTAMP('2024-01-31 12:34:56')"), "2024-01-31 12:34:56.000");
  EXPECT_EQ(TypeOf("TO_TIMESTAMP('2024-01-31 12:34:56')"), "timestamp[ms]");
  EXPECT_EQ(Value("TO_TIMESTAMP('31/01/2024 12:34', 'dd/MM/yyyy HH:mm')"),
            "2024-01-31 12:34:00.000");
  EXPECT_EQ(Value("TO_TIMESTAMP('2024-01-31 12:34:56.123', 'yyyy-MM-dd HH:mm:ss.SSS')"),
            "2024-01-31 12:34:56.123");
  EXPECT_EQ(Value("TO_TIMESTAMP('20240131', 'yyyyMMdd')"), "2024-01-31 00:00:00.000");
  // Text that does not parse, or names no valid time, gives NULL as in Flink.
  EXPECT_EQ(Value("TO_TIMESTAMP('bad')"), "NULL");
  EXPECT_EQ(Value("TO_TIMESTAMP('2024-02-30 00:00:00')"), "NULL");
  EXPECT_EQ(Value("TO_TIMESTAMP('2024-01-31', 'yyyy-MM-dd HH:mm')"), "NULL");
  EXPECT_EQ(Eval("TO_TIMESTAMP(num_text, 'yy')"),
            "2012-01-01 00:00:00.000|NULL|NULL|NULL");
  EXPECT_EQ(Value("TO_DATE('2024-01-31')"), "2024-01-31");
  EXPECT_EQ(Value("TO_DATE('31.01.2024', 'dd.MM.yyyy')"), "2024-01-31");
  EXPECT_EQ(Value("TO_DATE('x')"), "NULL");
  EXPECT_EQ(TypeOf("TO_DATE('2024-01-31')"), "date32[day]");
  EXPECT_TRUE(Contains(Error("TO_TIMESTAMP(s, 'yyyy''')"), "unterminated quote"));
}

TEST_F(ScalarFunctionsTest, CurrentTime) {
  EXPECT_EQ(TypeOf("CURRENT_TIMESTAMP()"), "timestamp[ms, tz=UTC]");
  EXPECT_EQ(TypeOf("NOW()"), "timestamp[ms, tz=UTC]");
  EXPECT_EQ(TypeOf("LOCALTIMESTAMP()"), "timestamp[ms]");
  EXPECT_EQ(TypeOf("CURRENT_DATE()"), "date32[day]");
  EXPECT_EQ(Eval("NOW() IS NULL"), "false|false|false|false");
  EXPECT_EQ(Eval("NOW() > TIMESTAMP '2024-01-01 00:00:00Z'"), "true|true|true|true");
  EXPECT_EQ(Eval("CURRENT_DATE() >= day"), "true|true|NULL|true");
  EXPECT_TRUE(Contains(Error("NOW(1)"), "NOW expects 0 arguments but got 1"));
}

TEST_F(ScalarFunctionsTest, ArrayElementsAreOneBased) {
  EXPECT_EQ(Eval("arr[1]"), "1|NULL|NULL|4");
  EXPECT_EQ(Eval("arr[3]"), "3|NULL|NULL|NULL");
  EXPECT_EQ(Eval("arr[0]"), "NULL|NULL|NULL|NULL");
  EXPECT_EQ(Eval("arr[99]"), "NULL|NULL|NULL|NULL");
  EXPECT_EQ(Eval("arr[-1]"), "NULL|NULL|NULL|NULL");
  EXPECT_EQ(Eval("arr[i / 10]"), "1|NULL|NULL|NULL");
  EXPECT_EQ(TypeOf("arr[1]"), "int32");
}

TEST_F(ScalarFunctionsTest, CardinalityAndFieldAccess) {
  EXPECT_EQ(Eval("CARDINALITY(arr)"), "3|0|NULL|1");
  EXPECT_EQ(Eval("CARDINALITY(m)"), "2|0|NULL|1");
  EXPECT_EQ(TypeOf("CARDINALITY(arr)"), "int32");
  EXPECT_EQ(Eval("people[1].name"), "ann|NULL|NULL|NULL");
  EXPECT_EQ(Eval("people[1].age"), "3|NULL|NULL|5");
  EXPECT_TRUE(
      Contains(Error("people[1].agee"), "has no field 'agee'; did you mean 'age'?"));
  EXPECT_TRUE(Contains(Error("arr[1].x"), "cannot access field 'x'"));
  EXPECT_TRUE(Contains(Error("CARDINALITY(s)"),
                       "CARDINALITY expects an ARRAY or a MAP as argument 1"));
}

TEST_F(ScalarFunctionsTest, TryCastGivesNullForValuesThatDoNotConvert) {
  EXPECT_EQ(Eval("TRY_CAST(num_text AS INT)"), "12|NULL|NULL|7");
  EXPECT_EQ(Value("TRY_CAST('abc' AS INT)"), "NULL");
  EXPECT_EQ(Eval("TRY_CAST(s AS DOUBLE)"), "NULL|NULL|NULL|NULL");
  EXPECT_EQ(Eval("TRY_CAST(n AS STRING)"), "1|-2|NULL|5");
  EXPECT_EQ(TypeOf("TRY_CAST(num_text AS INT)"), "int32");
}

TEST_F(ScalarFunctionsTest, ExistingCatalogFunctionsStillWork) {
  EXPECT_EQ(Eval("UPPER(s)"), "HELLO WORLD|FLINK|NULL|");
  EXPECT_EQ(Eval("CHAR_LENGTH(s)"), "11|5|NULL|0");
  EXPECT_EQ(Eval("ABS(n)"), "1|2|NULL|5");
  EXPECT_EQ(Eval("MOD(n, 2)"), "1|0|NULL|1");
}

TEST(JavaDateFormatTest, RoundTripsEveryField) {
  auto format = JavaDateFormat::Compile("G yyyy-MM-dd D E HH:mm:ss.SSSSSS a h K k Q");
  ASSERT_TRUE(format.ok()) << format.status().ToString();
  std::string out;
  // 2024-02-29 13:04:05.123456 (a Thursday, day 60).
  int64_t seconds = DaysFromCivil(2024, 2, 29) * 86400 + 13 * 3600 + 4 * 60 + 5;
  format->Format(seconds, 123456000, &out);
  EXPECT_EQ(out, "AD 2024-02-29 60 Thu 13:04:05.123456 PM 1 1 13 1");
  auto parsed = JavaDateFormat::Compile("yyyy-MM-dd HH:mm:ss.SSSSSS")
                    ->Parse("2024-02-29 13:04:05.123456");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->seconds, seconds);
  EXPECT_EQ(parsed->nanos, 123456000);
  EXPECT_FALSE(JavaDateFormat::Compile("yyyy-MM-dd")->Parse("2023-02-29").has_value());
  EXPECT_FALSE(JavaDateFormat::Compile("yyyy-MM-dd")->Parse("2023-02-01x").has_value());
  auto twelve = JavaDateFormat::Compile("hh:mm a")->Parse("12:30 AM");
  ASSERT_TRUE(twelve.has_value());
  EXPECT_EQ(twelve->seconds, 30 * 60);
  EXPECT_EQ(JavaDateFormat::Compile("yyyy-MMM")->Parse("2024-feb")->seconds,
            DaysFromCivil(2024, 2, 1) * 86400);
  int64_t year;
  int month, day;
  CivilFromDays(-1, &year, &month, &day);
  EXPECT_EQ(year * 10000 + month * 100 + day, 19691231);
}

}  // namespace
}  // namespace weir::sql
