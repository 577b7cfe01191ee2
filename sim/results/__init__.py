"""From the ledger to KPIs, tables and files: parcels, facility hours, trips, bottlenecks."""

from sim.results.summary import Results, summarise
from sim.results.writer import write_results

__all__ = ["Results", "summarise", "write_results"]
