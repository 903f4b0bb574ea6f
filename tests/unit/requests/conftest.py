"""The residents and officer that test_resident.py builds, as fixtures for every test
module of this package (test_office.py deals with the requests they make)."""

from tests.unit.requests.test_resident import ann, bob, officer, world  # noqa: F401  (fixtures)
