"""Runs of several cities: split by city across workers, or whole in one process, merged
into the same results (`driver.run_split`, `driver.run_whole`)."""
