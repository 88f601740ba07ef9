"""Deal pages that change deals (issue 12): create from the list or a customer's page, edit, delete or
archive, the stage control with its won and lost forms, reopening; the deal list's totals, sorts and
own-deals default; a deal's stage change in the feed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import counts
from tests.factories import ContactFactory, CustomerFactory, DealFactory
from totonou.activities.models import ActivityEvent
from totonou.deals.models import Deal, LossReason, Stage, StageChange
from totonou.deals.services import deal_change_stage

pytestmark = pytest.mark.django_db


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def deal_fields(deal: Deal) -> tuple:
    deal.refresh_from_db()
    return (deal.title, deal.amount, deal.stage.slug, deal.version, deal.loss_reason_id, deal.archived_at)


# --- Create -----------------------------------------------------------------------------------------


def test_new_deal_from_the_customer_page(world, client_for):
    client = client_for(world.rep)
    page = client.get(reverse("customers:customer_detail", args=[world.customer.pk])).content.decode()
    link = f"{reverse('deals:deal_create')}?customer={world.customer.pk}"
    assert link in page
    form = client.get(link).content.decode()
    assert f'<option value="{world.customer.pk}" selected>Plain Foods</option>' in form
    contact = ContactFactory(customer=world.customer, name="山田 花子")
    response = client.post(
        reverse("deals:deal_create"),
        {
            "customer": world.customer.pk,
            "title": "Autumn fair",
            "amount": "¥1,200,000",
            "expected_close_date": "2026-12-24",
            "stage": stage("qualified").pk,
            "owner": world.rep.pk,
            "contact": contact.pk,
            "next_step": "Send the quote",
            "notes": "Two stores first",
            "next": world.customer.get_absolute_url(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == world.customer.get_absolute_url()
    deal = Deal.objects.get(title="Autumn fair")
    assert (deal.customer, deal.owner, deal.amount, deal.stage.slug, deal.contact) == (
        world.customer,
        world.rep,
        1_200_000,
        "qualified",
        contact,
    )
    assert (deal.expected_close_date, deal.next_step, deal.notes) == (
        datetime.date(2026, 12, 24),
        "Send the quote",
        "Two stores first",
    )
    assert list(deal.stage_changes.values_list("from_stage", "to_stage")) == [(None, stage("qualified").pk)]
    event = ActivityEvent.objects.get(deal=deal)
    assert (event.kind, event.activity_id, event.actor) == ("stage", None, world.rep)


def test_new_deal_offers_open_stages_only_and_the_reps_own_owner(world, client_for):
    html = client_for(world.rep).get(reverse("deals:deal_create")).content.decode()
    assert f'value="{stage("lead").pk}"' in html
    assert f'value="{stage("won").pk}"' not in html
    owner_select = html.split('name="owner"', 1)[1].split("</select>", 1)[0]
    assert f'value="{world.rep.pk}"' in owner_select
    assert f'value="{world.other_rep.pk}"' not in owner_select  # a rep creates deals they own


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"amount": "-5"}, "amount", "Ensure this value is greater than or equal to 0."),
        ({"amount": "lots"}, "amount", "Enter a whole number."),
        ({"customer": ""}, "customer", "This field is required."),
        ({"contact": "OTHER"}, "contact", "This contact belongs to another customer."),
        ({"external_id": "DUP-1"}, "external_id", "Another deal already has this external id."),
        ({"stage": "WON"}, "stage", "Select a valid choice."),
        ({"owner": "OTHER_REP"}, "owner", "Select a valid choice."),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_written(world, client_for, change, field, message):
    DealFactory(customer=world.customer, owner=world.rep, external_id="DUP-1")
    other_contact = ContactFactory(customer=world.key_customer)
    data = {
        "customer": world.customer.pk,
        "title": "T",
        "amount": "100",
        "stage": stage("lead").pk,
        "owner": world.rep.pk,
    }
    replacements = {"OTHER": other_contact.pk, "WON": stage("won").pk, "OTHER_REP": world.other_rep.pk}
    data.update({key: replacements.get(value, value) for key, value in change.items()})
    before = counts()
    response = client_for(world.rep).post(reverse("deals:deal_create"), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert f'id="id_{field}_errors"' in html or message in html
    assert counts() == before


# --- Edit, delete, archive ----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), [("rep", True), ("other_rep", False), ("manager", True)])
def test_edit_permissions(world, client_for, role, allowed):
    client = client_for(getattr(world, role))
    url = reverse("deals:deal_edit", args=[world.deal.pk])
    before = deal_fields(world.deal)
    assert client.get(url).status_code == (200 if allowed else 403)
    response = client.post(
        url,
        {
            "customer": world.deal.customer_id,
            "title": "Renamed",
            "amount": "2,500,000",
            "owner": world.rep.pk,
            "version": 1,
        },
    )
    if allowed:
        assert response.status_code == 302
        assert deal_fields(world.deal)[:2] == ("Renamed", 2_500_000)
    else:
        assert response.status_code == 403
        assert deal_fields(world.deal) == before


def test_a_stale_edit_is_refused(world, client_for):
    client = client_for(world.rep)
    data = {"customer": world.deal.customer_id, "title": "First", "owner": world.rep.pk, "version": 1}
    assert client.post(reverse("deals:deal_edit", args=[world.deal.pk]), data).status_code == 302
    response = client.post(reverse("deals:deal_edit", args=[world.deal.pk]), {**data, "title": "Second"})
    assert response.status_code == 422
    assert "changed by someone else" in response.content.decode()
    assert deal_fields(world.deal)[0] == "First"


def test_delete_without_activities_archive_with(world, client_for):
    client = client_for(world.rep)
    bare = DealFactory(customer=world.customer, owner=world.rep)
    page = client.get(bare.get_absolute_url()).content.decode()
    assert reverse("deals:deal_delete", args=[bare.pk]) in page
    assert client.post(reverse("deals:deal_delete", args=[bare.pk])).status_code == 302
    assert not Deal.objects.filter(pk=bare.pk).exists()

    # world.deal has an activity: the page offers archiving, and deleting is refused.
    page = client.get(world.deal.get_absolute_url()).content.decode()
    assert reverse("deals:deal_delete", args=[world.deal.pk]) not in page
    assert reverse("deals:deal_archive", args=[world.deal.pk]) in page
    before = counts()
    response = client.post(reverse("deals:deal_delete", args=[world.deal.pk]), follow=True)
    assert "archive it instead" in response.content.decode()
    assert counts() == before
    assert client.post(reverse("deals:deal_archive", args=[world.deal.pk])).status_code == 302
    assert deal_fields(world.deal)[5] is not None
    listed = client.get(reverse("deals:deal_list")).content.decode()
    assert f'data-deal="{world.deal.pk}"' not in listed
    archived = client.get(reverse("deals:deal_list"), {"archived": "true"}).content.decode()
    assert f'data-deal="{world.deal.pk}"' in archived
    assert client.post(reverse("deals:deal_restore", args=[world.deal.pk])).status_code == 302
    assert deal_fields(world.deal)[5] is None


def test_other_rep_cannot_delete_or_archive(world, client_for):
    client = client_for(world.other_rep)
    before = counts()
    assert client.post(reverse("deals:deal_archive", args=[world.deal.pk])).status_code == 403
    assert client.post(reverse("deals:deal_delete", args=[world.deal.pk])).status_code == 403
    assert counts() == before
    assert deal_fields(world.deal)[5] is None


# --- The stage control ------------------------------------------------------------------------------


def test_open_stage_moves_at_once(world, client_for):
    client = client_for(world.rep)
    response = client.post(reverse("deals:deal_stage", args=[world.deal.pk]), {"stage": stage("proposal").pk})
    assert response.status_code == 302
    assert deal_fields(world.deal)[2] == "proposal"
    change = StageChange.objects.filter(deal=world.deal).latest("id")
    assert (change.from_stage.slug, change.to_stage.slug, change.changed_by) == (
        "lead",
        "proposal",
        world.rep,
    )


def test_won_asks_for_the_close_date_and_confirms_the_amount(world, client_for):
    client = client_for(world.rep)
    url = reverse("deals:deal_stage", args=[world.deal.pk])
    response = client.post(
        url, {"stage": stage("won").pk}, headers={"HX-Request": "true", "HX-Target": "stage-panel"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="stage-panel"')  # the fragment only
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert 'value="1000000"' in html
    assert deal_fields(world.deal)[2] == "lead"  # nothing changed yet
    response = client.post(
        url,
        {
            "stage": stage("won").pk,
            "confirm": "1",
            "closed_on": timezone.localdate().isoformat(),
            "amount": "1,100,000",
        },
    )
    assert response.status_code == 302
    deal = Deal.objects.get(pk=world.deal.pk)
    assert (deal.stage.slug, deal.amount) == ("won", 1_100_000)
    assert timezone.localtime(deal.closed_at).date() == timezone.localdate()


def test_a_rep_cannot_backdate_a_win(world, client_for):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    before = counts()
    response = client_for(world.rep).post(
        reverse("deals:deal_stage", args=[world.deal.pk]),
        {"stage": stage("won").pk, "confirm": "1", "closed_on": yesterday.isoformat()},
    )
    assert response.status_code == 422
    assert "Only an administrator may give a close date in the past." in response.content.decode()
    assert deal_fields(world.deal)[2] == "lead"
    assert counts() == before


def test_lost_requires_a_reason_and_offers_a_note(world, client_for):
    client = client_for(world.rep)
    url = reverse("deals:deal_stage", args=[world.deal.pk])
    form = client.get(url, {"stage": stage("lost").pk}).content.decode()
    assert 'name="loss_reason"' in form and 'name="loss_note"' in form
    before = counts()
    response = client.post(url, {"stage": stage("lost").pk, "confirm": "1", "loss_note": "Too dear"})
    assert response.status_code == 422
    assert "Give the reason the deal was lost." in response.content.decode()
    assert counts() == before and deal_fields(world.deal)[2] == "lead"
    price = LossReason.objects.get(slug="price")
    response = client.post(
        url, {"stage": stage("lost").pk, "confirm": "1", "loss_reason": price.pk, "loss_note": "Too dear"}
    )
    assert response.status_code == 302
    deal = Deal.objects.get(pk=world.deal.pk)
    assert (deal.stage.slug, deal.loss_reason, deal.loss_note) == ("lost", price, "Too dear")


def test_reopening_is_for_the_owners_manager(world, client_for):
    price = LossReason.objects.get(slug="price")
    deal_change_stage(actor=world.rep, deal=world.deal, stage=stage("lost"), loss_reason=price)
    rep_page = client_for(world.rep).get(world.deal.get_absolute_url()).content.decode()
    assert "Only the owner's manager or an administrator may reopen it." in rep_page
    assert 'name="stage"' not in rep_page
    before = counts()
    refused = client_for(world.rep).post(
        reverse("deals:deal_stage", args=[world.deal.pk]), {"stage": stage("proposal").pk}
    )
    assert refused.status_code == 403
    assert counts() == before
    manager = client_for(world.manager)
    assert "Reopen in stage" in manager.get(world.deal.get_absolute_url()).content.decode()
    response = manager.post(
        reverse("deals:deal_stage", args=[world.deal.pk]), {"stage": stage("proposal").pk}
    )
    assert response.status_code == 302
    deal = Deal.objects.get(pk=world.deal.pk)
    assert (deal.stage.slug, deal.closed_at, deal.loss_reason) == ("proposal", None, None)
    change = StageChange.objects.filter(deal=deal).latest("id")
    assert (change.from_stage.slug, change.changed_by) == ("lost", world.manager)
    event = ActivityEvent.objects.filter(deal=deal).latest("id")
    assert event.data["reopened"] is True


def test_other_rep_gets_403_from_the_stage_control(world, client_for):
    before = counts()
    client = client_for(world.other_rep)
    assert client.get(reverse("deals:deal_stage", args=[world.deal.pk])).status_code == 403
    response = client.post(reverse("deals:deal_stage", args=[world.deal.pk]), {"stage": stage("proposal").pk})
    assert response.status_code == 403
    assert counts() == before
    assert client.post(reverse("deals:deal_stage", args=[999999]), {"stage": 1}).status_code == 404


def test_unknown_stage_is_a_field_error(world, client_for):
    before = counts()
    response = client_for(world.rep).post(
        reverse("deals:deal_stage", args=[world.deal.pk]), {"stage": 999999}
    )
    assert response.status_code == 422
    assert "Select a valid choice." in response.content.decode()
    assert counts() == before


# --- The deal list ----------------------------------------------------------------------------------


def test_list_totals_of_the_whole_filtered_set_in_yen(world, client_for, settings):
    settings.LANGUAGE_CODE = "ja"
    Deal.objects.filter(pk=world.deal.pk).update(amount=1_200_000)  # lead: 10 %
    DealFactory(customer=world.customer, owner=world.rep, amount=800_000, stage=stage("proposal"))  # 50 %
    DealFactory(customer=world.customer, owner=world.other_rep, amount=5_000_000)
    client = client_for(world.rep)
    client.cookies.load({"django_language": "ja"})
    html = client.get(
        reverse("deals:deal_list"), {"page": 1}, headers={"Accept-Language": "ja"}
    ).content.decode()
    probabilities = {s.slug: s.probability for s in Stage.objects.all()}
    weighted = (1_200_000 * probabilities["lead"] + 800_000 * probabilities["proposal"]) // 100
    assert '<dd data-total="amount">¥2,000,000</dd>' in html
    assert f'<dd data-total="weighted">¥{weighted:,}</dd>' in html
    assert "¥1,200,000" in html
    everyone = client.get(reverse("deals:deal_list"), {"owner": ""}).content.decode()
    assert '<dd data-total="amount">¥7,000,000</dd>' in everyone


def test_list_totals_are_not_the_pages(world, client_for, django_assert_max_num_queries):
    for _ in range(30):
        DealFactory(customer=world.customer, owner=world.rep, amount=100)
    client = client_for(world.rep)
    html = client.get(reverse("deals:deal_list"), {"page": 2}).content.decode()
    assert '<dd data-total="amount">¥1,003,000</dd>' in html  # 31 deals, 25 a page
    assert "31 deals" in html


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("amount", ["big", "mid", "small"]),
        ("expected_close", ["mid", "small", "big"]),
        ("days_in_stage", ["small", "big", "mid"]),
        ("last_activity", ["mid", "small", "big"]),
    ],
)
def test_list_sorts(team_a, client_for, sort, expected):
    _, _, (rep, _) = team_a
    customer = CustomerFactory(owner=rep)
    now = timezone.now()
    rows = {
        "big": dict(
            amount=9_000, expected_close_date=None, stage_entered_at=now - datetime.timedelta(days=5)
        ),
        "mid": dict(
            amount=5_000,
            expected_close_date=datetime.date(2026, 1, 1),
            stage_entered_at=now - datetime.timedelta(days=1),
        ),
        "small": dict(
            amount=1_000,
            expected_close_date=datetime.date(2026, 6, 1),
            stage_entered_at=now - datetime.timedelta(days=9),
        ),
    }
    deals = {
        name: DealFactory(customer=customer, owner=rep, title=name, **values) for name, values in rows.items()
    }
    Deal.objects.filter(pk=deals["small"].pk).update(last_activity_at=now - datetime.timedelta(days=3))
    Deal.objects.filter(pk=deals["big"].pk).update(last_activity_at=now - datetime.timedelta(days=1))
    html = client_for(rep).get(reverse("deals:deal_list"), {"sort": sort}).content.decode()
    positions = {name: html.index(f'data-deal="{deal.pk}"') for name, deal in deals.items()}
    assert sorted(positions, key=positions.get) == expected


def test_last_activity_follows_done_activities(world):
    from totonou.activities.services import activity_complete

    assert Deal.objects.get(pk=world.deal.pk).last_activity_at is None
    done = activity_complete(actor=world.rep, activity=world.key_activity)
    done.refresh_from_db()  # a plan completed before it began now ends now: its start moves
    assert Deal.objects.get(pk=world.deal.pk).last_activity_at == done.starts_at


def test_list_query_count_is_constant(world, client_for, django_assert_num_queries):
    client = client_for(world.rep)
    for _ in range(3):
        DealFactory(customer=world.customer, owner=world.rep)
    client.get(reverse("deals:deal_list"))  # warm the session
    with django_assert_num_queries(6):  # session, user (+ team, bell), stages, totals, the page, owners
        client.get(reverse("deals:deal_list"), {"sort": "last_activity"})
    for _ in range(30):
        DealFactory(customer=world.customer, owner=world.rep)
    with django_assert_num_queries(6):
        client.get(reverse("deals:deal_list"), {"sort": "last_activity"})


# --- The feed ---------------------------------------------------------------------------------------


def test_stage_changes_enter_the_feed(world, client_for):
    price = LossReason.objects.get(slug="price")
    deal_change_stage(actor=world.rep, deal=world.deal, stage=stage("proposal"))
    deal_change_stage(
        actor=world.rep, deal=world.deal, stage=stage("lost"), loss_reason=price, loss_note="高い"
    )
    html = client_for(world.other_rep).get(reverse("activities:feed")).content.decode()
    assert "moved a deal" in html and "lost a deal" in html
    assert "Spring fair" in html
    assert "Loss reason: Price" in html and "高い" in html
    assert html.count(f'data-deal="{world.deal.pk}"') == 2
    # The owner filter finds deal items by their deal's owner; the type filter is about activities.
    mine = client_for(world.rep).get(reverse("activities:feed"), {"owner": world.rep.pk}).content.decode()
    assert f'data-deal="{world.deal.pk}"' in mine
    visits = client_for(world.rep).get(reverse("activities:feed"), {"type": "visit"}).content.decode()
    assert f'data-deal="{world.deal.pk}"' not in visits
    unreviewed = (
        client_for(world.manager).get(reverse("activities:feed"), {"unreviewed": "true"}).content.decode()
    )
    assert f'data-deal="{world.deal.pk}"' not in unreviewed
