"""Shared tally of the fault-injection runs, printed after the results (what the kills hit)."""

import collections

import pytest

# One dict per kill trial, appended by test_fault_injection.py; read by the summary below.
TRIALS = []
# Counters of the verify-during-write test, keyed by outcome.
VERIFY = collections.Counter()


@pytest.fixture(scope="session")
def tally():
    return TRIALS


@pytest.fixture(scope="session")
def verify_tally():
    return VERIFY


def pytest_terminal_summary(terminalreporter):
    if TRIALS:
        terminalreporter.section("kill trials")
        by_job = collections.defaultdict(list)
        for trial in TRIALS:
            by_job[trial["job"]].append(trial)
        for job, trials in sorted(by_job.items()):
            states = collections.Counter(s for t in trials for s in t["states"].values())
            finished = sum(t["finished"] for t in trials)
            leftovers = sorted({name for t in trials for name in t["leftovers"]})
            mid_write = sum(bool(t["leftovers"]) for t in trials)
            first = trials[0]
            terminalreporter.write_line(
                f"{job}: {len(trials)} trials (reference {first['reference_s']:.2f} s, start-up "
                f"{first['startup_s']:.2f} s), {finished} finished before the kill; outputs "
                f"after the kill: {dict(states)}; "
                + (f"{mid_write} left {leftovers} beside them" if leftovers else "nothing left"))
    if VERIFY:
        terminalreporter.section("verify during index writes")
        terminalreporter.write_line(", ".join(f"{k}: {v}" for k, v in sorted(VERIFY.items())))
