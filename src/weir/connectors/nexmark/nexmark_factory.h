#pragma once

#include <memory>

#include "weir/connectors/table_factory.h"

namespace weir::connectors {

/// Returns the factory of `'connector' = 'nexmark'` tables: the Nexmark benchmark's
/// Person/Auction/Bid events as the columns event_type INT, person ROW<…>, auction
/// ROW<…>, bid ROW<…> (nexmark-flink's DDL), with Flink's nexmark connector's options
/// (`first-event.rate`, `events.num`, `person|auction|bid.proportion`,
/// `person|auction|bid.avg-size`, `bid.hot-ratio.auctions|bidders`,
/// `auction.hot-ratio.sellers`, `max-emit-speed`, `keep-alive`, `stop-at`) plus
/// weir's `seed` and `base-time`, which make the events the same every run.
std::unique_ptr<TableFactory> MakeNexmarkTableFactory();

}  // namespace weir::connectors
