"""A record page's comment thread and mention hints read the columns they show, not every column of the
users they join (the password hash among them), and showing them reads no column they left out."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ContactFactory, CustomerFactory, DealFactory, SegmentFactory, UserFactory
from totonou.activities.selectors import comment_thread
from totonou.activities.services import comment_create
from totonou.customers.models import Customer
from totonou.customers.selectors import customer_page_record
from totonou.deals.models import LossReason, Stage
from totonou.deals.selectors import deal_page_record
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
    # the session, the user (with the viewer's managed people: a manager may change a member's customer),
    # the customer, its history's page, contacts, deals, plans ahead: no query for a name
    assert len(captured) == 7
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


def _lost_deal_with_contact(rep):
    customer = CustomerFactory(owner=rep, name="大阪商事", is_key=True, phone="06-1234-5678")
    contact = ContactFactory(customer=customer, name="田中 一郎")
    reason = LossReason.objects.create(name_ja="価格", name_en="Price")
    return DealFactory(
        customer=customer,
        owner=rep,
        contact=contact,
        title="春の棚替え",
        stage=Stage.objects.get(slug="lost"),
        closed_at=timezone.now(),
        loss_reason=reason,
        loss_note="競合が2割安い",
    )


def test_a_deal_page_reads_its_customer_owner_and_contact_by_what_it_shows(team_a):
    """The record the deal's page reads: the deal, its stage and loss reason whole, its customer's name
    and key flag, its owner's and contact's names; not the customer's, owner's or contact's other
    columns."""
    _, manager, (rep, _) = team_a
    deal = _lost_deal_with_contact(rep)
    with CaptureQueriesContext(connection) as captured:
        record = deal_page_record(user=manager).get(pk=deal.pk)
        shown = (
            record.title,
            record.customer.name,
            record.customer.is_key,
            str(record.owner),
            str(record.contact),
            record.stage.slug,
            record.loss_reason.name_en,
            record.loss_note,
        )
    assert len(captured) == 1
    assert shown == ("春の棚替え", "大阪商事", True, str(rep), "田中 一郎", "lost", "Price", "競合が2割安い")
    sql = captured.captured_queries[0]["sql"]
    assert '"users_user"."password"' not in sql and '"customers_customer"."phone"' not in sql
    assert '"customers_contact"."email"' not in sql
    assert record.get_deferred_fields() == set() and record.stage.get_deferred_fields() == set()
    assert record.loss_reason.get_deferred_fields() == set()
    assert {"phone", "address", "segment_id"} <= record.customer.get_deferred_fields()
    assert {"email", "phone", "customer_id"} <= record.contact.get_deferred_fields()


def test_a_deal_page_shows_its_contact_and_loss_reason_without_a_query_of_their_own(client, team_a):
    _, _, (rep, _) = team_a
    deal = _lost_deal_with_contact(rep)
    client.force_login(rep)
    client.get(deal.get_absolute_url())
    with CaptureQueriesContext(connection) as captured:
        response = client.get(deal.get_absolute_url())
    assert response.status_code == 200
    # the session, the user, the deal, its history's page, plans ahead, the stage history, comments,
    # mention hints (a rep may not reopen a lost deal: no stage control): no query for a name
    assert len(captured) == 8
    page = response.content.decode()
    assert "<dd>田中 一郎</dd>" in page and "Price: 競合が2割安い" in page and "大阪商事" in page
