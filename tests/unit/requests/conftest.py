"""The income officer and the two residents every requests test module uses."""

from __future__ import annotations

import pytest


@pytest.fixture
def officer(records):
    return records.officer()


@pytest.fixture
def ann(records, officer):
    return records.resident(officer=officer, ref="RENT00420042")


@pytest.fixture
def bob(records, officer):
    return records.resident(email="bob@example.org", first="Bob", officer=officer, ref="RENT00770077")


@pytest.fixture
def rachel(records):
    """An income officer in the back office, not linked to the feed's officer (so nothing
    is assigned to her until someone assigns it)."""
    return records.staff("income_officer", name="Rachel Adeyemi", email="rachel@northbrook-homes.example")


@pytest.fixture
def tom(records):
    """A housing officer in the back office: manages requests, may not see bank details."""
    return records.staff("housing_officer", name="Tom Reid", email="tom@northbrook-homes.example")
