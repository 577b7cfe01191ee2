"""Light processes (`sim.processes.start`) run like SimPy processes, without a start-up
event."""

import simpy

from sim.processes import start


def _trip(env: simpy.Environment, seen: list, legs: list[float], name: str = "trip"):
    seen.append((name, "left", env.now))
    for leg in legs:
        yield env.timeout(leg)
        seen.append((name, "at", env.now))


def test_a_trip_starts_at_once_and_goes_on_at_each_event():
    env = simpy.Environment()
    seen = []
    start(_trip(env, seen, [1.0, 2.0, 0.5]))
    assert seen == [("trip", "left", 0)]  # before the environment has run at all
    env.run()
    assert [step[1:] for step in seen] == [("left", 0), ("at", 1.0), ("at", 3.0), ("at", 3.5)]


def test_it_keeps_the_times_and_order_of_a_simpy_process():
    def run(launch):  # trips that meet at the same times: ties go in the same order
        env = simpy.Environment()
        seen = []
        for name, legs in (("a", [1.0, 1.0]), ("b", [2.0]), ("c", [0.0, 2.0])):
            launch(env, _trip(env, seen, legs, name))
        env.run()
        return [step for step in seen if step[1] == "at"]

    as_process = run(lambda env, trip: env.process(trip))
    light = run(lambda env, trip: start(trip))
    assert light == as_process


def test_it_needs_fewer_events():
    def steps(launch):
        env = simpy.Environment()
        for _ in range(10):
            launch(env, _trip(env, [], [1.0]))
        count = 0
        while env.peek() < float("inf"):
            env.step()
            count += 1
        return count

    assert steps(lambda env, trip: start(trip)) == 10  # the timeouts
    # a process adds its start-up event and its own end
    assert steps(lambda env, trip: env.process(trip)) == 30
