"""The SimPy model: parcels as columnar data, vehicles and dispatchers as processes."""

from sim.engine.model import Simulation, SimulationOutput, simulate

__all__ = ["Simulation", "SimulationOutput", "simulate"]
