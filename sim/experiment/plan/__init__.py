"""Planning: the cheapest decisions (fleets, timetables, capacities) that meet targets."""
