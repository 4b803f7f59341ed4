#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::common {

/// Returns `text` with ASCII letters in lower case.
std::string ToLowerAscii(std::string_view text);

/// Returns `text` with ASCII letters in upper case.
std::string ToUpperAscii(std::string_view text);

/// Returns true when `a` and `b` are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

/// Returns the optimal-string-alignment distance between `a` and `b` ignoring ASCII
/// case: the number of insertions, deletions, substitutions and transpositions of
/// adjacent characters that turn one into the other.
size_t EditDistance(std::string_view a, std::string_view b);

/// Returns the candidate closest to `name` when it is close enough to be a likely
/// typo (distance at most a third of the name's length, at least 1, at most 3);
/// ties go to the earliest candidate. Returns nullopt when nothing is close.
std::optional<std::string> ClosestMatch(std::string_view name,
                                        const std::vector<std::string>& candidates);

/// Returns "; did you mean 'x'?" for the closest match of `name`, or "" when none.
std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace weir::common
