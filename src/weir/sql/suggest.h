#pragma once
// The SQL layer's names for the text helpers in common/suggest.h.

#include "weir/common/suggest.h"

namespace weir::sql {

using common::ClosestMatch;
using common::DidYouMean;
using common::EditDistance;
using common::EqualsIgnoreCase;
using common::ToLowerAscii;
using common::ToUpperAscii;

}  // namespace weir::sql
