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
