from tests.api.conftest import anonymous, api, people  # noqa: F401  (fixtures)
