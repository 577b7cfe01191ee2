"""Closed-form results the simulation must reproduce."""

from __future__ import annotations

import math


def md1_wait(arrival_rate: float, service_rate: float) -> float:
    """Mean wait in queue of M/D/1 (Pollaczek-Khinchine with zero service variance)."""
    rho = arrival_rate / service_rate
    return rho / (2.0 * service_rate * (1.0 - rho))


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Probability that an arrival waits in M/M/c."""
    offered = arrival_rate / service_rate
    rho = offered / servers
    top = offered**servers / math.factorial(servers) / (1.0 - rho)
    bottom = sum(offered**k / math.factorial(k) for k in range(servers)) + top
    return top / bottom


def mmc_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of M/M/c."""
    waits = erlang_c(arrival_rate, service_rate, servers)
    return waits / (servers * service_rate - arrival_rate)


def periodic_departure_wait(interval_h: float) -> float:
    """Poisson arrivals for a vehicle leaving every T hours with room for all wait T/2."""
    return interval_h / 2.0
