#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <arrow/result.h>

namespace weir::runtime {

/// One entry of an operator's or source's list state (SnapshotOperatorState): a
/// kind and named fields in order, each holding any bytes (integers as decimal
/// text); a key may repeat. Every connector writes its entries with Encode and
/// reads them with Decode, so no connector parses a text format of its own and a
/// damaged entry is an error naming the owner and the field, never an exception.
///
/// The encoding is binary-safe and readable: a header line
/// `weir-state-entry 1 <kind>` then, per field, a line `<key> <byte count>`
/// followed by the bytes and a newline.
class StateEntry {
 public:
  /// Starts an entry of `kind` (e.g. "file-sink/pending").
  explicit StateEntry(std::string kind);

  /// Appends a field.
  StateEntry& Add(std::string key, std::string value);
  /// Appends an integer field.
  StateEntry& Add(std::string key, int64_t value);

  /// Returns the encoded entry.
  std::string Encode() const;

  /// Decodes an entry; `owner` (e.g. "file sink") names the connector in errors.
  static arrow::Result<StateEntry> Decode(std::string_view bytes, std::string_view owner);

  /// Returns the entry's kind.
  const std::string& kind() const { return kind_; }
  /// Returns the first value of `key`, or an error naming the owner, kind and key.
  arrow::Result<std::string> String(std::string_view key) const;
  /// Returns the first value of `key` as an integer, or an error.
  arrow::Result<int64_t> Int(std::string_view key) const;
  /// Returns the first value of `key`, or nullopt.
  std::optional<std::string> Find(std::string_view key) const;
  /// Returns every value of `key`, in order.
  std::vector<std::string> All(std::string_view key) const;

 private:
  std::string kind_;
  std::string owner_;
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace weir::runtime
