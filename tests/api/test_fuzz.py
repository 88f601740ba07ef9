"""A bounded Schemathesis pass over the whole API (issue 19): every operation of ``/api/v1/openapi.json``,
against the live test server, as a rep and as a manager, with a few generated requests each (valid and
invalid ones). No answer may be a server error, and every answer must conform to the schema: a
documented status code, the documented content type and body (``core.api.document_errors`` documents
the 4xx answers). Kept small (``MAX_EXAMPLES``) so that it stays well under two minutes in ``make test``.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from tests.factories import ActivityFactory, CustomerFactory, DealFactory, SegmentFactory, make_team
from totonou.users.services import api_token_create

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 2
SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def callers(live_server, live_reference_data):
    """A rep's and a manager's token, with a few records around (so that small generated ids exist)."""
    _team, manager, (rep, _other) = make_team("Fuzz")
    segment = SegmentFactory(name="Fuzz segment")
    customer = CustomerFactory(owner=rep, segment=segment)
    DealFactory(customer=customer, owner=rep)
    ActivityFactory(owner=rep, customer=customer)
    return {
        role: {
            "Authorization": f"Bearer {api_token_create(user=user, name='fuzz')[1]}",
            "Accept-Language": "en",
        }
        for role, user in (("rep", rep), ("manager", manager))
    }


def test_no_operation_answers_a_server_error_or_off_its_schema(live_server, callers):
    """One test walking every operation (a test per operation would flush the database each time):
    Hypothesis draws ``MAX_EXAMPLES`` valid and as many invalid requests per operation, each sent as a
    rep and as a manager."""
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 100, len(operations)

    def exercise(case: schemathesis.Case) -> None:
        for headers in callers.values():
            case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)

    failures = []
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            run = given(case=operation.as_strategy(generation_mode=mode))(exercise)
            try:
                SETTINGS(run)()
            except (Exception, BaseExceptionGroup) as error:  # every operation's failures, not the first's
                failures.append(f"{operation.label} ({mode.value}): {str(error)[:300]}")
    assert failures == [], "\n\n".join(failures)
