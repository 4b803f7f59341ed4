#pragma once

#include <arrow/compute/type_fwd.h>
#include <arrow/status.h>

namespace weir::sql {

/// Registers the Arrow compute functions that bound SQL expressions call beyond
/// Arrow's own, in Arrow's default function registry:
///
/// - weir_try_cast(x) with CastOptions: casts like "cast" but values that do not
///   convert become NULL (TRY_CAST).
/// - weir_array_element(list, index): the element at a 1-based index, NULL when the
///   index is NULL or out of range (array[i]).
/// - weir_make_array(a, …) and weir_make_map(k1, v1, …): ARRAY[…] and MAP[…] (a
///   NULL map key is an error).
/// - weir_substring, weir_left, weir_right, weir_lpad, weir_rpad, weir_split_index,
///   weir_position, weir_initcap: Flink's string functions (string_kernels.cc).
/// - weir_list_join(list<string>, separator): the non-null strings joined, NULL when
///   there are none (LISTAGG in batch mode, after hash_list).
/// - weir_date_format, weir_to_timestamp[_format], weir_to_date[_format],
///   weir_current_timestamp, weir_local_timestamp, weir_current_date: Flink's
///   date and time functions with Java date patterns (datetime_kernels.cc).
/// - weir_current_watermark(rowtime): CURRENT_WATERMARK, the watermark of the
///   evaluating operator (expr::CurrentWatermark) in the argument's type, or NULL.
/// - weir_decimal_multiply(a, b), weir_decimal_divide(a, b), weir_decimal_remainder(a,
///   b) with CastOptions naming the DECIMAL128 result: exact products, quotients and
///   remainders rounded half up to the result scale, NULL when the result does not
///   fit, an error for a zero divisor (decimal_kernels.cc).
/// - weir_add_months(date or timestamp, int32 months): year-month interval
///   arithmetic, the day clamped to the end of the month.
/// - weir_months_between(timestamp from, timestamp to): whole months between them,
///   as Flink's TIMESTAMPDIFF counts them (int32).
///
/// Binding an expression needs the functions it calls to be registered, so call this
/// before binding SQL. Thread-safe and idempotent: the first call registers, later
/// calls return the first call's status at the cost of an atomic load.
arrow::Status RegisterSqlKernels();

/// Adds the string kernels listed above to `registry`.
arrow::Status RegisterStringKernels(arrow::compute::FunctionRegistry* registry);

/// Adds weir_md5, weir_sha1, weir_sha224/256/384/512, weir_sha2 (hex digests) and
/// weir_uuid (a random UUID per row) to `registry` (digest_kernels.cc).
arrow::Status RegisterDigestKernels(arrow::compute::FunctionRegistry* registry);

/// Registers weir_json_value, weir_json_query and weir_json_exists
/// (json_functions.cc).
arrow::Status RegisterJsonKernels(arrow::compute::FunctionRegistry* registry);

/// Adds the decimal kernels listed above to `registry`.
arrow::Status RegisterDecimalKernels(arrow::compute::FunctionRegistry* registry);

/// Adds the date and time kernels listed above to `registry`.
arrow::Status RegisterDatetimeKernels(arrow::compute::FunctionRegistry* registry);

}  // namespace weir::sql
