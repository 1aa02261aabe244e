"""shared.security.safe_next: the one safe-target function for every ``next`` of both services."""

import pytest

from shared.security import safe_next
from tests.support.redirects import FOREIGN_TARGETS, LOCAL_TARGETS


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_foreign_or_ambiguous_targets_fall_back_to_the_default(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", LOCAL_TARGETS)
def test_paths_on_the_site_are_kept(target):
    assert safe_next(target, "/home") == target


@pytest.mark.parametrize("target", [None, "", 42, ["/x"]])
def test_missing_or_odd_values_fall_back(target):
    assert safe_next(target, "/home") == "/home"
