"""Every error is JSON ``{"detail": ...}`` with a 4xx status; bad input never causes a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import API, counts, detail
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400(people, api, token_for):
    customer = CustomerFactory(owner=people.owner, name="Same")
    client = Client(headers={"Authorization": f"Bearer {token_for(people.owner)}"})
    before = counts()
    for method in ("post", "patch"):
        path = f"{API}/customers" if method == "post" else f"{API}/customers/{customer.pk}"
        response = getattr(client, method)(path, "{not json", content_type="application/json")
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/json")
        assert isinstance(detail(response), str)
    assert counts() == before


def test_a_body_over_the_size_limit_is_json_413(people, token_for, settings):
    """A real body one byte over DATA_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MB default), as JSON through a
    token, as JSON through the browser session, and as a form: JSON 413, nothing written (issue 19)."""
    import json

    from django.conf import settings as django_settings

    limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit == 2_621_440
    # valid JSON padded with whitespace, so only its size can be wrong with it
    body = '{"name": "Big"}'.ljust(limit + 1)
    assert len(body.encode()) == limit + 1
    assert json.loads(body) == {"name": "Big"}
    token_client = Client(
        headers={"Authorization": f"Bearer {token_for(people.owner)}", "Accept-Language": "en"}
    )
    session_client = Client(headers={"Accept-Language": "en"}, enforce_csrf_checks=True)
    session_client.force_login(people.owner)
    session_client.get("/")  # sets the CSRF cookie
    csrf = {"X-CSRFToken": session_client.cookies["csrftoken"].value}
    before = counts()
    answers = [
        token_client.post(f"{API}/customers", body, content_type="application/json"),
        session_client.post(f"{API}/customers", body, content_type="application/json", headers=csrf),
        token_client.post(
            f"{API}/customers", "notes=" + "x" * limit, content_type="application/x-www-form-urlencoded"
        ),
    ]
    for response in answers:
        assert response.status_code == 413
        assert response["Content-Type"].startswith("application/json")
        assert detail(response) == f"The request body is too large (at most {limit} bytes)."
    assert counts() == before
    # one byte less is read (and answered on its merits)
    small = '{"name": "Big"}'.ljust(limit)
    assert token_client.post(f"{API}/customers", small, content_type="application/json").status_code == 201


def test_too_many_form_fields_is_json_400(people, token_for):
    client = Client(headers={"Authorization": f"Bearer {token_for(people.owner)}", "Accept-Language": "en"})
    fields = {f"f{number}": "1" for number in range(1001)}  # DATA_UPLOAD_MAX_NUMBER_FIELDS is 1000
    response = client.post(f"{API}/imports", fields)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert detail(response) == "The request could not be read."


@pytest.mark.parametrize("body", [[], [1, 2], "text", 5, None])
def test_a_body_that_is_not_an_object_is_422(people, api, body):
    client = api(people.owner)
    before = counts()
    response = client.post("/customers", body) if body is not None else client.post("/customers")
    assert response.status_code == 422
    assert "__all__" in detail(response)
    assert counts() == before


@pytest.mark.parametrize(
    "path",
    ["/customers/abc", "/customers/0", "/customers/-1", "/customers/99999999999999999999999"],
)
def test_bad_ids_in_the_path_are_422(people, api, path):
    response = api(people.owner).get(path)
    assert response.status_code == 422
    assert set(detail(response)) == {"customer_id"}


def test_huge_ids_in_filters_and_bodies_are_not_500(people, api):
    client = api(people.owner)
    huge = 10**25
    response = client.get("/activities", {"customer": huge})
    assert response.status_code in {200, 422}
    before = counts()
    response = client.post("/customers", {"name": "X", "segment": huge})
    assert response.status_code == 422
    assert set(detail(response)) == {"segment"}
    response = client.post("/deals", {"customer": huge, "title": "X", "amount": huge})
    assert response.status_code == 422
    assert {"customer"} <= set(detail(response))
    assert counts() == before


def test_unknown_paths_are_json_404(people, api):
    client = api(people.owner)
    for path in ("/nothing", "/customers/1/extra", "/customers/"):
        response = client.get(path)
        assert response.status_code == 404
        assert isinstance(detail(response), str)
    assert Client().get(f"{API}/nothing").status_code == 404


def test_messages_follow_the_language(people, token_for):
    def message(accept_language: str) -> str:
        headers = {"Authorization": f"Bearer {token_for(people.owner)}", "Accept-Language": accept_language}
        response = Client(headers=headers).post(f"{API}/customers", "{}", content_type="application/json")
        assert response.status_code == 422
        return response.json()["detail"]["name"][0]

    assert message("en") == "This field is required."
    assert message("ja") != "This field is required."  # Django's ja catalog has this message
    people.owner.language = "en"  # the user's own language wins, as in the UI
    people.owner.save(update_fields=["language"])
    assert message("ja") == "This field is required."


def test_validation_detail_shape(people, api):
    response = api(people.owner).post("/customers", {"name": "", "website": "nope", "segment": 999999})
    assert response.status_code == 422
    errors = detail(response)
    assert set(errors) == {"segment"}  # unknown references are reported before the service runs
    assert errors["segment"] == ["There is no segment “999999”."]
    response = api(people.owner).post("/customers", {"name": "", "website": "nope"})
    assert set(detail(response)) == {"name", "website"}
    assert all(isinstance(message, str) for messages in detail(response).values() for message in messages)


LISTS = [
    "/users",
    "/teams",
    "/segments",
    "/customers",
    "/contacts",
    "/stages",
    "/loss-reasons",
    "/deals",
    "/activity-types",
    "/activities",
]
DETAILS = [
    ("/users/{}", "user_id"),
    ("/teams/{}", "team_id"),
    ("/segments/{}", "segment_id"),
    ("/customers/{}", "customer_id"),
    ("/contacts/{}", "contact_id"),
    ("/stages/{}", "stage_id"),
    ("/loss-reasons/{}", "loss_reason_id"),
    ("/deals/{}", "deal_id"),
    ("/activities/{}", "activity_id"),
]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_validates_its_paging(people, api, path):
    client = api(people.owner)
    for params, field in [({"page_size": 0}, "page_size"), ({"page": "x"}, "page")]:
        response = client.get(path, params)
        assert response.status_code == 422
        assert set(detail(response)) == {field}


@pytest.mark.parametrize(("path", "field"), DETAILS)
def test_every_detail_validates_its_id(people, api, path, field):
    client = api(people.owner)
    for value in ("abc", "0"):
        response = client.get(path.format(value))
        assert response.status_code == 422
        assert set(detail(response)) == {field}
    response = client.get(path.format(999999))
    assert response.status_code == 404
    assert isinstance(detail(response), str)
