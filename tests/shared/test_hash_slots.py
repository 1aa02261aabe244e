"""argon2id work in one process is bounded by its hashing slots (ARGON2_CONCURRENCY)."""

import threading

import pytest

from shared.hash_slots import HashSlots
from shared.passwords import Hasher

CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


class InFlight:
    """Wraps the argon2 calls of a hasher and records how many ran at the same moment.

    Each call waits (up to ``linger`` seconds) for a second call to be running beside
    it, so a bound that lets two through is seen every time, not by luck of timing.
    """

    def __init__(self, hasher: Hasher, linger: float) -> None:
        self.running = self.peak = 0
        self.lock = threading.Lock()
        self.overlap = threading.Event()
        self.linger = linger
        self.ph = hasher._ph
        self.hash, self.verify = self.wrap(self.ph.hash), self.wrap(self.ph.verify)
        hasher._ph = self  # argon2's PasswordHasher has __slots__: stand in front of it

    def __getattr__(self, name):
        return getattr(self.ph, name)

    def wrap(self, call):
        def counted(*args):
            with self.lock:
                self.running += 1
                self.peak = max(self.peak, self.running)
                if self.running > 1:
                    self.overlap.set()
            try:
                self.overlap.wait(self.linger)
                return call(*args)
            finally:
                with self.lock:
                    self.running -= 1
        return counted


def _sign_in_burst(hasher: Hasher, stored: str, people: int) -> list[bool]:
    results = [False] * people

    def one(i: int) -> None:
        results[i] = hasher.verify(stored if i % 2 else None, "Tajne1Haslo").ok

    threads = [threading.Thread(target=one, args=(i,)) for i in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize(("slots", "linger"), [(1, 0.2), (2, 5.0)])
def test_a_burst_of_verifies_runs_as_many_at_once_as_there_are_slots(slots, linger):
    hasher = Hasher(**CHEAP, concurrency=slots)
    stored = hasher.hash("Tajne1Haslo")
    watch = InFlight(hasher, linger=linger)
    results = _sign_in_burst(hasher, stored, 6)
    assert watch.peak == slots
    # Every one of them was still checked, right and wrong alike (no account: refused).
    assert results == [False, True] * 3


def test_a_rehash_on_sign_in_takes_its_own_slot_after_the_verify():
    old = Hasher(time_cost=1, memory_cost=8, parallelism=1, concurrency=1)
    stored = old.hash("Tajne1Haslo")
    new = Hasher(time_cost=2, memory_cost=16, parallelism=1, concurrency=1)
    result = new.verify(stored, "Tajne1Haslo")  # one slot: would hang if the rehash nested it
    assert result.ok and new.verify(result.new_hash, "Tajne1Haslo").ok


def test_the_setting_sizes_the_slots_and_refuses_zero():
    hasher = Hasher.from_config({"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8,
                                 "ARGON2_PARALLELISM": 1, "ARGON2_CONCURRENCY": 3})
    assert hasher._slots.slots == 3
    with pytest.raises(ValueError):
        HashSlots(0)
