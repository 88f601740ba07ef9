"""The API's contract after issue 19 (item 8): the OpenAPI schema documents the error answers and the
paging limits; text is capped as the forms cap it (``core.bounds``); a NUL character is refused inside
a list item or a query parameter on SQLite as PostgreSQL would refuse it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import detail, soon
from tests.factories import ActivityFactory, CustomerFactory, SegmentFactory
from totonou.activities.models import Activity, Comment
from totonou.core.bounds import COMMENT_MAX_LENGTH, LONG_TEXT_MAX_LENGTH
from totonou.strategy.models import Strategy

pytestmark = pytest.mark.django_db

ERROR = {"$ref": "#/components/schemas/Error"}
NUL = "Null characters are not allowed."


def _schema(client: Client) -> dict:
    return client.get("/api/v1/openapi.json").json()


def test_every_operation_documents_its_error_answers_with_the_error_body(people, api):
    schema = _schema(api(people.owner).client)
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) >= 60
    for path, method, operation in operations:
        codes = set(operation["responses"])
        expected = {"401", "403", "404", "405", "422"}
        if method in {"post", "patch", "put", "delete"}:
            expected |= {"400", "409", "413"}
        assert expected <= codes, (method, path, sorted(codes))
        for code in expected:
            assert operation["responses"][code]["content"]["application/json"]["schema"] == ERROR


def test_the_paging_limits_are_documented(people, api):
    schema = _schema(api(people.owner).client)
    parameters = {item["name"]: item for item in schema["paths"]["/api/v1/activities"]["get"]["parameters"]}
    assert parameters["page"]["schema"]["minimum"] == 1
    assert (parameters["page_size"]["schema"]["minimum"], parameters["page_size"]["schema"]["maximum"]) == (
        1,
        200,
    )
    body = schema["components"]["schemas"]["CommentIn"]["properties"]["body"]
    assert body["maxLength"] == COMMENT_MAX_LENGTH


def test_a_comment_longer_than_the_form_allows_is_refused(people, api):
    activity = ActivityFactory(owner=people.owner)
    client = api(people.owner)
    response = client.post("/comments", {"body": "x" * (COMMENT_MAX_LENGTH + 1), "activity": activity.pk})
    assert response.status_code == 422
    assert list(detail(response)) == ["body"]
    assert Comment.objects.count() == 0
    response = client.post("/comments", {"body": "x" * COMMENT_MAX_LENGTH, "activity": activity.pk})
    assert response.status_code == 201


@pytest.mark.parametrize("field", ["notes", "purpose", "next_step"])
def test_activity_text_is_capped(people, api, field):
    start = soon()
    activity = ActivityFactory(owner=people.owner, starts_at=start, ends_at=start)
    response = api(people.owner).patch(
        f"/activities/{activity.pk}", {field: "x" * (LONG_TEXT_MAX_LENGTH + 1)}
    )
    assert (response.status_code, list(detail(response))) == (422, [field])
    assert getattr(Activity.objects.get(pk=activity.pk), field) == getattr(activity, field)


def test_customer_notes_and_a_weekly_reports_reflection_are_capped(people, api):
    customer = CustomerFactory(owner=people.owner)
    client = api(people.owner)
    response = client.patch(f"/customers/{customer.pk}", {"notes": "x" * (LONG_TEXT_MAX_LENGTH + 1)})
    assert list(detail(response)) == ["notes"]
    report = client.post("/weekly-reports", {"week": "2026-W10"}).json()
    response = client.patch(
        f"/weekly-reports/{report['id']}", {"went_well": "x" * (LONG_TEXT_MAX_LENGTH + 1)}
    )
    assert (response.status_code, list(detail(response))) == (422, ["went_well"])


def test_a_nul_inside_a_list_item_is_refused_on_its_field(people, api):
    segment = SegmentFactory()
    response = api(people.manager).post(
        "/strategies",
        {
            "name": "N",
            "hypothesis": "h",
            "starts_on": "2026-04-01",
            "ends_on": "2026-06-30",
            "target_share": 10,
            "segments": [segment.pk],
            "title_keywords": ["buyer", "a\x00b"],
        },
    )
    assert (response.status_code, detail(response)) == (422, {"title_keywords": [NUL]})
    assert Strategy.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/activities?type=vi%00sit", "type"),
        ("/api/v1/customers?q=a%00b", "q"),
        ("/api/v1/search?q=a%00b", "q"),
        ("/api/v1/activities?owners=1&owners=%00", "owners"),
    ],
)
def test_a_nul_in_a_query_parameter_is_a_422(people, api, path, field):
    response = api(people.owner).client.get(path)
    assert (response.status_code, response.json()) == (422, {"detail": {field: [NUL]}})


def test_a_page_reports_a_nul_in_its_filter_instead_of_failing(people):
    client = Client()
    client.force_login(people.owner)
    response = client.get("/customers/?q=a%00b")
    assert response.status_code == 200
    assert list(response.context["filter_errors"]) == ["q"]  # the message in the user's language
