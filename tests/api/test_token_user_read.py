"""An API request reads its token's user in one compiled query (``users.backends.token_user_query``) with
the members they manage and the reference data version, so the activity types it names come from the
process's copy (``core.reference``, ADR 0048) and a type changed anywhere is seen by the next request.

These tests commit (``transaction=True``): the lists are only kept outside a transaction."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.conftest import iso, soon
from tests.factories import CustomerFactory
from totonou.activities.models import Activity, ActivityType
from totonou.core import reference
from totonou.users.models import ApiToken

pytestmark = pytest.mark.django_db(transaction=True)

TYPE_QUERY = 'SELECT "activities_activitytype".'


@pytest.fixture(autouse=True)
def _nothing_kept():
    reference.forget()
    ActivityType.objects.get_or_create(slug="visit", defaults={"name_ja": "訪問", "name_en": "Visit"})
    yield
    reference.forget()


def _create(client, customer, type_slug="visit"):
    start = soon()
    body = {"type": type_slug, "customer": customer.pk, "starts_at": iso(start), "ends_at": iso(start)}
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/activities", body)
    return response, [query["sql"] for query in captured.captured_queries]


def test_a_token_request_reads_its_user_and_token_in_one_query(people, api):
    client = api(people.manager)
    customer = CustomerFactory(owner=people.owner)
    _create(client, customer)  # the types are read once
    response, sqls = _create(client, customer)
    assert response.status_code == 201, response.content
    first = sqls[0]
    assert first.startswith('SELECT "users_user".') and '"users_apitoken"' in first
    assert "managed_ids_text" in first and "core_referenceversion" in first
    assert not [sql for sql in sqls[1:] if TYPE_QUERY in sql or "users_team_managers" in sql]
    assert not [sql for sql in sqls if sql.startswith('SELECT "users_apitoken"')]
    assert Activity.objects.filter(customer=customer, type__slug="visit").count() == 2


def test_the_next_request_sees_a_type_deactivated_or_added(people, api):
    client = api(people.owner)
    customer = CustomerFactory(owner=people.owner)
    assert _create(client, customer)[0].status_code == 201
    ActivityType.objects.filter(slug="visit").update(is_active=False)  # around the services: the trigger
    response, sqls = _create(client, customer)
    assert response.status_code == 422
    assert response.json()["detail"] == {"type": ["There is no activity type “visit”."]}
    assert [sql for sql in sqls if TYPE_QUERY in sql]  # read again
    ActivityType.objects.create(slug="seminar", name_ja="セミナー", name_en="Seminar")
    response, _sqls = _create(client, customer, "seminar")
    assert response.status_code == 201, response.content
    assert Activity.objects.filter(customer=customer).count() == 2


def test_a_token_revoked_after_use_is_refused_at_once(people, api):
    client = api(people.owner)
    customer = CustomerFactory(owner=people.owner)
    assert _create(client, customer)[0].status_code == 201
    ApiToken.objects.filter(user=people.owner).update(revoked_at=timezone.now())
    response, sqls = _create(client, customer)
    assert response.status_code == 401
    assert len(sqls) == 1
    assert Activity.objects.filter(customer=customer).count() == 1


def test_the_tokens_last_use_is_written_at_most_once_a_minute(people, api):
    client = api(people.owner)
    customer = CustomerFactory(owner=people.owner)
    first = _create(client, customer)[1]
    second = _create(client, customer)[1]
    updates = 'UPDATE "users_apitoken" SET "last_used_at"'
    assert len([sql for sql in first if sql.startswith(updates)]) == 1
    assert not [sql for sql in second if sql.startswith(updates)]
    assert ApiToken.objects.get(user=people.owner).last_used_at is not None
