"""argon2id hashing: verification, rehash when parameters change, dummy work for no account."""

from argon2 import extract_parameters

from shared.passwords import Hasher


def test_hash_is_argon2id_and_verifies():
    hasher = Hasher(time_cost=1, memory_cost=8, parallelism=1)
    stored = hasher.hash("Tajne1Haslo")
    assert stored.startswith("$argon2id$")
    assert hasher.verify(stored, "Tajne1Haslo").ok
    assert not hasher.verify(stored, "Tajne1haslo").ok


def test_long_password_is_not_truncated():
    hasher = Hasher(time_cost=1, memory_cost=8, parallelism=1)
    stored = hasher.hash("A1" + "x" * 200)
    assert not hasher.verify(stored, "A1" + "x" * 199).ok
    assert hasher.verify(stored, "A1" + "x" * 200).ok


def test_rehash_when_parameters_change():
    old = Hasher(time_cost=1, memory_cost=8, parallelism=1)
    new = Hasher(time_cost=2, memory_cost=16, parallelism=1)
    stored = old.hash("Tajne1Haslo")
    result = new.verify(stored, "Tajne1Haslo")
    assert result.ok and result.new_hash is not None
    assert extract_parameters(result.new_hash).time_cost == 2
    assert new.verify(result.new_hash, "Tajne1Haslo").new_hash is None


def test_missing_hash_fails_after_doing_the_work():
    hasher = Hasher(time_cost=1, memory_cost=8, parallelism=1)
    assert not hasher.verify(None, "anything").ok
    assert not hasher.verify("not-a-hash", "anything").ok


def test_production_defaults_meet_owasp_minimum():
    params = extract_parameters(Hasher().hash("x"))
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2
