"""Fixtures for the targets tests: the API's JSON client and the permission matrix's people."""

from tests.api.conftest import anonymous, api, people  # noqa: F401  (fixtures)
