"""A record page's comment thread and mention hints read the columns they show, not every column of the
users they join (the password hash among them), and showing them reads no column they left out."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import CustomerFactory, DealFactory, SegmentFactory, UserFactory
from totonou.activities.selectors import comment_thread
from totonou.activities.services import comment_create
from totonou.customers.models import Customer
from totonou.customers.selectors import customer_page_record
from totonou.users.models import NAME_FIELDS, User
from totonou.users.selectors import mention_hint_users

pytestmark = pytest.mark.django_db


def test_a_comment_thread_reads_its_authors_names_only(team_a):
    _, manager, (rep, _) = team_a
    deal = DealFactory(owner=rep)
    comment_create(actor=manager, body="次回は部長同席で", deal=deal)
    comment_create(actor=rep, body="承知しました", deal=deal)
    with CaptureQueriesContext(connection) as captured:
        comments = list(comment_thread(user=manager, deal=deal))
        shown = [(str(comment.author), comment.body, comment.author_id) for comment in comments]
    assert len(captured) == 1
    assert shown == [(str(manager), "次回は部長同席で", manager.pk), (str(rep), "承知しました", rep.pk)]
    sql = captured.captured_queries[0]["sql"]
    assert '"users_user"."password"' not in sql and '"users_user"."email"' not in sql
    assert {"password", "email", "time_zone"} <= comments[0].author.get_deferred_fields()


def test_the_mention_hints_read_username_and_display_name_only(team_a):
    _, manager, (rep, other) = team_a
    with CaptureQueriesContext(connection) as captured:
        hints = mention_hint_users(user=manager, limit=12)
        shown = [(person.username, person.display_name) for person in hints]
    assert len(captured) == 1
    assert shown == sorted((person.username, person.display_name) for person in (rep, other))
    assert '"users_user"."password"' not in captured.captured_queries[0]["sql"]
    assert "password" in hints[0].get_deferred_fields()


def test_a_customer_page_reads_its_people_by_name_and_not_its_survivor(team_a):
    """The record the customer's page reads: the customer and its segment whole, its owner and its last
    contact's author by name only, and no join to the customer it was merged into (the page redirects
    there by id)."""
    _, manager, (rep, other) = team_a
    segment = SegmentFactory(name="食品スーパー")
    customer = CustomerFactory(owner=rep, segment=segment, name="大阪商事", phone="06-1234-5678")
    Customer.objects.filter(pk=customer.pk).update(last_contact_by=other, last_contact_at=timezone.now())
    with CaptureQueriesContext(connection) as captured:
        record = customer_page_record(user=manager).get(pk=customer.pk)
        shown = (str(record.owner), str(record.last_contact_by), record.segment.name, record.phone)
    assert len(captured) == 1
    assert shown == (str(rep), str(other), "食品スーパー", "06-1234-5678")
    sql = captured.captured_queries[0]["sql"]
    assert '"users_user"."password"' not in sql and '"users_user"."email"' not in sql
    assert '"merged_into_id" = ' not in sql  # the survivor is not joined
    assert record.get_deferred_fields() == set()
    assert record.segment.get_deferred_fields() == set()
    assert {"password", "email", "team_id"} <= record.owner.get_deferred_fields()
    assert {"password", "email", "team_id"} <= record.last_contact_by.get_deferred_fields()


def test_a_customer_page_reads_as_many_queries_with_narrow_people(client, team_a):
    """The page shows the owner's and the last contact author's names with no query of its own."""
    _, manager, (rep, other) = team_a
    customer = CustomerFactory(owner=rep, name="大阪商事")
    Customer.objects.filter(pk=customer.pk).update(last_contact_by=other, last_contact_at=timezone.now())
    client.force_login(manager)
    client.get(customer.get_absolute_url())
    with CaptureQueriesContext(connection) as captured:
        response = client.get(customer.get_absolute_url())
    assert response.status_code == 200
    # the session, the user, the customer, its history's page, contacts, the viewer's managed people (a
    # manager may change a member's customer), deals, plans ahead: no query for a name
    assert len(captured) == 8
    page = response.content.decode()
    assert f"<dd>{rep}</dd>" in page and f"by {other}" in page


@pytest.mark.parametrize(
    ("names", "shown"),
    [
        ({"display_name": "佐藤 花子", "first_name": "Hanako", "last_name": "Sato"}, "佐藤 花子"),
        ({"display_name": "", "first_name": "Hanako", "last_name": "Sato"}, "Hanako Sato"),
        ({"display_name": "", "first_name": "", "last_name": ""}, "sato_h"),
    ],
)
def test_a_user_read_by_its_name_fields_is_named_without_a_query(names, shown):
    """``NAME_FIELDS`` are every column ``User.__str__`` reads: the lists and pages that show a person by
    name read only these."""
    person = UserFactory(username="sato_h", **names)
    read = User.objects.only(*NAME_FIELDS).get(pk=person.pk)
    with CaptureQueriesContext(connection) as captured:
        name = str(read)
    assert (name, len(captured)) == (shown, 0)
