"""The fast form renderer (ADR 0013) writes exactly what Django's widget templates write.

Two comparisons: every widget kind with hostile values (``Everything``), and every form of the app.
The app's forms are listed in ``BUILDERS`` with the arguments their pages give them: this test compares
**30 forms** (``COMPARED``), each unbound and bound (with the errors its data causes), field by field and
whole. A form that cannot be built fails the test; a form class in ``totonou.web`` (forms, views, …) or
``totonou.core.forms`` that is not listed fails ``test_every_form_of_the_app_is_listed``.

A form class is known by its class (so by module and name): the two ``PreferencesForm`` (the settings
page's and the notification centre's) are both listed and compared. A *base* is not listed: a class with
no fields of its own (``base_fields`` empty) that other forms of the app subclass (``ServiceForm``,
``ReferenceForm``) — it renders nothing, no page builds it, and its subclasses are compared instead.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import timezone
from django.utils.safestring import mark_safe

import totonou.web
from tests.factories import ContactFactory, CustomerFactory, DealFactory, SegmentFactory
from totonou.activities.models import Activity, ActivityType
from totonou.activities.services import activity_create
from totonou.core.form_renderer import FastTemplates
from totonou.customers.models import Contact, Customer
from totonou.deals.models import Deal, LossReason, Stage
from totonou.integrations.services import channel_create
from totonou.notifications.models import Channel, Channels, NotificationKind
from totonou.notifications.personal import preferences_read
from totonou.targets.periods import quarter_period, year_period
from totonou.users.models import Team, User
from totonou.web.forms.activities import (
    ActivityCancelForm,
    ActivityCompleteForm,
    ActivityCreateForm,
    ActivityEditForm,
    ActivityForm,
    ActivityRescheduleForm,
    QuickLogForm,
)
from totonou.web.forms.audit import AuditFilterForm
from totonou.web.forms.channels import ChannelForm, DeliveryFilterForm
from totonou.web.forms.customers import BulkActionForm, ContactForm, CustomerForm, ReassignForm
from totonou.web.forms.deals import DealForm, DealStageForm
from totonou.web.forms.preferences import ApiTokenCreateForm, LanguageForm, PreferencesForm
from totonou.web.forms.setup import (
    ActivityTypeForm,
    LossReasonForm,
    SegmentForm,
    StageForm,
    TeamForm,
    TeamSettingsForm,
    UserForm,
)
from totonou.web.forms.targets import TargetGridForm
from totonou.web.views.notification_center import PreferencesForm as NotificationPreferencesForm
from totonou.web.views.preferences import SettingsPreferencesForm
from totonou.web.views.social import CommentForm

TRICKY = ['a "quoted" <b>value</b> & more', "", "0", 0, 12345, None, mark_safe("<i>safe</i>"), "改行\nあり"]


class Everything(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": 'say "hi"', "autofocus": True}))
    hidden = forms.CharField(widget=forms.HiddenInput)
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"min": 0, "disabled": False}))
    email = forms.EmailField()
    when = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    colour = forms.CharField(widget=forms.TextInput(attrs={"type": "color"}))
    choice = forms.ChoiceField(choices=[("", "---"), ("a", "A & <b>"), (1, 1), ("x", mark_safe("<x>"))])
    grouped = forms.ChoiceField(
        choices=[("Fruit", [("apple", "りんご"), ("pear", "梨")]), ("other", "Other")]
    )
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")])
    flag = forms.BooleanField(required=False)
    radio = forms.ChoiceField(widget=forms.RadioSelect, choices=[("a", "A"), ("b", "B")])


def both(form_class, **kwargs):
    slow = form_class(renderer=DjangoTemplates(), **kwargs)
    fast = form_class(renderer=FastTemplates(), **kwargs)
    return slow, fast


@pytest.mark.parametrize("value", TRICKY)
def test_every_widget_renders_the_same_markup(value):
    initial = {name: value for name in Everything.base_fields}
    initial["many"] = [value, "b"]
    initial["day"] = datetime.date(2026, 4, 1) if value is None else value
    data = {name: "" if item is None else str(item) for name, item in initial.items() if name != "many"}
    for kwargs in ({"data": {**data, "many": [str(value), "b"]}}, {"initial": initial}, {}):
        slow, fast = both(Everything, **kwargs)
        for name in Everything.base_fields:
            assert str(fast[name]) == str(slow[name]), name
            assert str(fast[name].as_widget(attrs={"aria-invalid": "true"})) == str(
                slow[name].as_widget(attrs={"aria-invalid": "true"})
            ), name


# --- Every form of the app ------------------------------------------------------------------------------


@dataclass
class Scene:
    """What the pages hand their forms: a manager and a rep of a team, an admin, the rep's customers (one
    with a hostile name, contacts and a deal), the activity types, a planned activity with contacts, a
    channel."""

    manager: User
    rep: User
    customers: list[Customer]
    types: Any
    activity: Activity
    channel: Channel
    team: Team
    admin: User
    deal: Deal
    contact: Contact


@pytest.fixture
def scene(team_a, admin_user) -> Scene:
    team, manager, (rep, _other) = team_a
    segment = SegmentFactory(name='Super <"markets">')
    hostile = CustomerFactory(owner=rep, segment=segment, name='<b>"Key" & Mart</b>', is_key=True)
    plain = CustomerFactory(owner=rep, segment=segment, name="株式会社サンプル", name_kana="サンプル")
    contacts = [
        ContactFactory(customer=hostile, name="山田 <太郎>", title=""),
        ContactFactory(customer=hostile),
    ]
    deal = DealFactory(customer=hostile, owner=rep, title='Spring "fair" <2026>', contact=contacts[0])
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=1)
    activity = activity_create(
        actor=rep,
        type=ActivityType.objects.get(slug="visit"),
        customer=hostile,
        contacts=contacts,
        subject='Visit <script>"x"</script>',
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        purpose="目的 & <goal>",
        notes="line 1\nline 2",
        next_step="電話",
    )
    channel = channel_create(
        actor=admin_user,
        name='Sales <"room">',
        kind="webhook",
        url="https://example.com/hook",
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        events=["activity.planned"],
    )
    types = ActivityType.objects.filter(is_active=True).order_by("order", "id")
    return Scene(
        manager, rep, [hostile, plain], types, activity, channel, team, admin_user, deal, contacts[0]
    )


Case = tuple[str, dict[str, Any]]
BAD_TIME = {"starts_at": "2026-13-40T25:61", "ends_at": "not a time"}


def _activity_cases(scene: Scene) -> Iterator[Case]:
    for who in (scene.rep, scene.manager):  # a manager also chooses the owner
        common = {"user": who, "customers": scene.customers, "types": scene.types}
        yield f"{who.role} unbound", common
        yield f"{who.role} with customer", {**common, "initial": {"customer": scene.customers[0].pk}}
        data = {"customer": str(scene.customers[0].pk), "type": "", "subject": "x" * 300, **BAD_TIME}
        yield f"{who.role} bound with errors", {**common, "data": data}


def _edit_cases(scene: Scene) -> Iterator[Case]:
    for who in (scene.rep, scene.manager):
        common = {"user": who, "activity": scene.activity, "customers": [], "types": scene.types}
        yield f"{who.role} unbound", common
        yield f"{who.role} bound with errors", {**common, "data": {**BAD_TIME, "version": "0"}}


def _plan_action_cases(data: dict[str, str]) -> Callable[[Scene], Iterator[Case]]:
    def cases(scene: Scene) -> Iterator[Case]:
        common = {"user": scene.rep, "activity": scene.activity}
        yield "unbound", common
        yield "bound with errors", {**common, "data": data}
        yield "with a prefix (My day)", {**common, "prefix": f"plan-{scene.activity.pk}", "auto_id": "p_%s"}

    return cases


def _quick_log_cases(scene: Scene) -> Iterator[Case]:
    common = {"user": scene.rep, "customers": Customer.objects.filter(owner=scene.rep), "types": scene.types}
    yield "unbound", common
    yield "preselected customer", {**common, "initial": {"customer": scene.customers[1]}}
    yield "bound with errors", {**common, "data": {"type": "", "status": "maybe", "duration": "-5"}}


def _channel_cases(scene: Scene) -> Iterator[Case]:
    yield "new", {"actor": scene.manager}
    yield "existing", {"actor": scene.manager, "channel": scene.channel}
    data = {"name": "", "kind": "pigeon", "url": "not a url", "digest_time": "25:00", "events": ["nope"]}
    yield "bound with errors", {"actor": scene.manager, "channel": scene.channel, "data": data}


def _preference_cases(scene: Scene) -> Iterator[Case]:
    yield "unbound", {"user": scene.rep}
    data = {"language": "xx", "time_zone": "Mars/Base", "calendar_color": "red"}
    yield "bound with errors", {"user": scene.rep, "data": data}


def _customer_cases(scene: Scene) -> Iterator[Case]:
    yield "new (rep)", {"actor": scene.rep}
    yield "existing (manager)", {"actor": scene.manager, "instance": scene.customers[0]}
    data = {
        "name": "",
        "segment": "999999",
        "owner": str(scene.manager.pk),  # not someone the rep may give customers to
        "cadence_days": "-1",
        "status": "zombie",
        "website": "not a url",
        "notes": "<b>note</b>\n2",
    }
    yield "new bound with errors", {"actor": scene.rep, "data": data}
    bad_version = {**data, "version": "x", "name": '"Still" <here>'}
    yield (
        "existing bound with errors",
        {"actor": scene.manager, "instance": scene.customers[0], "data": bad_version},
    )


def _contact_cases(scene: Scene) -> Iterator[Case]:
    common = {"actor": scene.rep, "customer": scene.customers[0]}
    yield "new", common
    yield "existing", {**common, "instance": scene.contact}
    data = {"name": "", "email": "not mail", "notes": "<i>x</i>", "version": "x"}
    yield "bound with errors", {**common, "instance": scene.contact, "data": data}


def _bulk_cases(scene: Scene) -> Iterator[Case]:
    yield "unbound (customer list)", {"actor": scene.manager}
    ticked = [str(customer.pk) for customer in scene.customers]
    data = {"action": "owner", "customers": ticked, "to_owner": "", "segment": "x"}
    yield "bound with errors", {"actor": scene.manager, "data": data}
    yield "unknown customer", {"actor": scene.admin, "data": {"action": "erase", "customers": ["999999"]}}


def _reassign_cases(scene: Scene) -> Iterator[Case]:
    for who in (scene.manager, scene.admin):
        yield f"{who.role} unbound", {"actor": who}
        yield f"{who.role} with a rep", {"actor": who, "initial": {"from_owner": scene.rep.pk}}
    both_targets = {
        "from_owner": str(scene.rep.pk),
        "to_owner": str(scene.rep.pk),
        "to_team": str(scene.team.pk),
    }
    yield "bound: rep and team", {"actor": scene.manager, "data": both_targets}
    yield "bound: unknown rep", {"actor": scene.manager, "data": {"from_owner": "999999"}}


def _deal_cases(scene: Scene) -> Iterator[Case]:
    bad = {
        "customer": str(scene.customers[0].pk),
        "title": "",
        "amount": "lots",
        "expected_close_date": "2026-02-30",
        "stage": "999999",
        "owner": "",
        "contact": "999999",
        "notes": "<b>x</b>",
    }
    for who in (scene.rep, scene.manager):
        common = {"user": who, "customers": scene.customers}
        yield f"{who.role} new", common
        yield f"{who.role} new with customer", {**common, "initial": {"customer": scene.customers[0].pk}}
        yield f"{who.role} edit", {**common, "deal": scene.deal}
        yield f"{who.role} new bound with errors", {**common, "data": bad}
        yield (
            f"{who.role} edit bound with errors",
            {**common, "deal": scene.deal, "data": {**bad, "version": "x"}},
        )


def _deal_stage_cases(scene: Scene) -> Iterator[Case]:
    common = {"user": scene.rep, "deal": scene.deal}
    yield "deal page", {**common, "initial": {"stage": scene.deal.stage_id}}
    won = Stage.objects.get(kind=Stage.Kind.WON)
    yield "won asks more", {**common, "initial": {"stage": won.pk, "version": scene.deal.version}}
    data = {"stage": "999999", "closed_on": "nope", "amount": "-", "loss_reason": "999999", "version": ""}
    yield "bound with errors", {**common, "data": data}


def _user_cases(scene: Scene) -> Iterator[Case]:
    yield "new", {"actor": scene.admin}
    yield "existing rep", {"actor": scene.admin, "user": scene.rep}
    yield "existing manager", {"actor": scene.admin, "user": scene.manager}
    data = {
        "username": "bad name!",
        "email": "x",
        "role": "king",
        "team": "999999",
        "managed_teams": [str(scene.team.pk)],
        "language": "xx",
        "time_zone": "Mars/Base",
        "calendar_color": "#12345678",
    }
    yield "new bound with errors", {"actor": scene.admin, "data": data}
    yield "existing bound with errors", {"actor": scene.admin, "user": scene.rep, "data": data}


def _team_cases(scene: Scene) -> Iterator[Case]:
    yield "new", {"actor": scene.admin}
    yield "existing", {"actor": scene.admin, "team": scene.team}
    data = {"name": "", "members": ["999999"], "managers": [str(scene.rep.pk)]}
    yield "bound with errors", {"actor": scene.admin, "team": scene.team, "data": data}


def _team_settings_cases(scene: Scene) -> Iterator[Case]:
    """The team page of a manager: ``TeamSettingsForm(request.POST or None, actor=actor, team=team)``."""
    yield "new", {"actor": scene.admin}
    yield "existing (manager)", {"actor": scene.manager, "team": scene.team}
    data = {"time_zone": "Mars/Base", "report_deadline_weekday": "9", "report_deadline_time": "25:61"}
    yield "bound with errors", {"actor": scene.manager, "team": scene.team, "data": data}


def _audit_filter_cases(scene: Scene) -> Iterator[Case]:
    """The audit page: ``AuditFilterForm(request.GET or None)``."""
    yield "unbound", {}
    data = {
        "actor": "999999",
        "record_type": "<b>nope</b>",
        "action": "erase",
        "since": "2026-02-30",
        "until": "tomorrow",
    }
    yield "bound with errors", {"data": data}
    yield "bound: a person, a bad date", {"data": {"actor": str(scene.rep.pk), "since": "2026-04-31"}}


def _reference_cases(
    existing: Callable[[Scene], Any], data: dict[str, str]
) -> Callable[[Scene], Iterator[Case]]:
    """Settings → a shared list: ``form(request.POST or None, instance=item, actor=actor)``."""

    def cases(scene: Scene) -> Iterator[Case]:
        yield "new", {"actor": scene.admin, "instance": None}
        yield "existing", {"actor": scene.admin, "instance": existing(scene)}
        yield "bound with errors", {"actor": scene.admin, "instance": existing(scene), "data": data}

    return cases


def _target_cases(scene: Scene) -> Iterator[Case]:
    fiscal_year = 2026
    year = year_period(fiscal_year)
    members = list(
        User.objects.filter(team=scene.team, is_active=True).order_by("display_name", "username", "pk")
    )
    common = {
        "team": scene.team,
        "members": members,
        "year": year,
        "quarters": [quarter_period(fiscal_year, number) for number in range(1, 5)],
    }
    months = year.months()
    yield "empty", {**common, "initial": {}}
    initial = {f"u{scene.rep.pk}_{months[0].key}": 1200, f"team_{months[1].key}": 0}
    yield "saved targets", {**common, "initial": initial}
    data = {
        f"u{scene.rep.pk}_{months[0].key}": "-5",
        f"team_{months[2].key}": "lots",
        f"u{scene.manager.pk}_{months[3].key}": "300",
        "spread_who": "nobody",
        "spread_period": "1999",
        "spread_value": "-1",
        "spread_method": "even",
    }
    yield "bound with errors", {**common, "data": data}


def _notification_preference_cases(scene: Scene) -> Iterator[Case]:
    current = preferences_read(user=scene.rep)
    initial = {key: current[key] for key in ("digest", "digest_time", "quiet_start", "quiet_end")}
    common = {"initial": initial, "initial_channels": current["channels"]}
    yield "unbound", common
    other = {kind: Channels.values[-1] for kind in NotificationKind.values}
    yield "other channels", {"initial": initial, "initial_channels": other}
    data = {
        "digest": "on",
        "digest_time": "25:00",
        "quiet_start": "soon",
        f"kind_{NotificationKind.values[0]}": "pigeon",
    }
    yield "bound with errors", {**common, "data": data}


#: Every form of the app, with the cases it is compared in.
BUILDERS: dict[type[forms.BaseForm], Callable[[Scene], Iterator[Case]]] = {
    ActivityForm: _activity_cases,
    ActivityCreateForm: _activity_cases,
    ActivityEditForm: _edit_cases,
    ActivityCompleteForm: _plan_action_cases({"notes": "<b>done</b>", "version": "0"}),
    ActivityRescheduleForm: _plan_action_cases({"starts_at": "yesterday", "version": "x"}),
    ActivityCancelForm: _plan_action_cases({"reason": "", "version": "-1"}),
    QuickLogForm: _quick_log_cases,
    ChannelForm: _channel_cases,
    DeliveryFilterForm: lambda scene: iter(
        [
            ("unbound", {"user": scene.manager}),
            ("bound with errors", {"user": scene.manager, "data": {"channel": "999999", "status": "lost"}}),
        ]
    ),
    PreferencesForm: _preference_cases,
    SettingsPreferencesForm: lambda scene: iter(
        [*_preference_cases(scene), ("week start", {"user": scene.rep, "data": {"week_starts_on": "9"}})]
    ),
    LanguageForm: lambda scene: iter([("unbound", {}), ("bound with errors", {"data": {"language": "fr"}})]),
    ApiTokenCreateForm: lambda scene: iter(
        [
            ("unbound", {"user": scene.rep}),
            ("bound with errors", {"user": scene.rep, "data": {"name": "n" * 101}}),
        ]
    ),
    CommentForm: lambda scene: iter([("unbound", {}), ("bound with errors", {"data": {"body": ""}})]),
    CustomerForm: _customer_cases,
    ContactForm: _contact_cases,
    BulkActionForm: _bulk_cases,
    ReassignForm: _reassign_cases,
    DealForm: _deal_cases,
    DealStageForm: _deal_stage_cases,
    UserForm: _user_cases,
    TeamForm: _team_cases,
    TeamSettingsForm: _team_settings_cases,
    SegmentForm: _reference_cases(
        lambda scene: scene.customers[0].segment,
        {"name": "", "color": "", "cadence_days": "x", "key_cadence_days": "-1", "sort_order": "1.5"},
    ),
    StageForm: _reference_cases(
        lambda scene: Stage.objects.get(slug="lead"),
        {"name_ja": "", "name_en": "<b>", "order": "x", "probability": "x", "kind": "maybe"},
    ),
    LossReasonForm: _reference_cases(
        lambda scene: LossReason.objects.order_by("order", "id").first(),
        {"name_ja": "", "name_en": '"x"', "order": "-"},
    ),
    ActivityTypeForm: _reference_cases(
        lambda scene: ActivityType.objects.get(slug="visit"), {"name_ja": "", "order": "x"}
    ),
    TargetGridForm: _target_cases,
    NotificationPreferencesForm: _notification_preference_cases,
    AuditFilterForm: _audit_filter_cases,
}
COMPARED = 30


def _is_base(form_class: type[forms.BaseForm], found: set[type[forms.BaseForm]]) -> bool:
    """A base of other forms: no fields of its own and subclassed by another form of the app. It renders
    nothing, so no page builds it; its subclasses are what the pages show (and what is compared)."""
    return not form_class.base_fields and any(
        other is not form_class and issubclass(other, form_class) for other in found
    )


def _label(form_class: type) -> str:
    """``forms.preferences.PreferencesForm``: the module tells the two preferences forms apart."""
    return f"{form_class.__module__.removeprefix('totonou.web.')}.{form_class.__qualname__}"


def _app_form_classes() -> set[type[forms.BaseForm]]:
    """Every form class defined in ``totonou.web`` (any module) and ``totonou.core.forms``, bases
    (``_is_base``) left out."""
    modules = [importlib.import_module("totonou.core.forms")]
    for info in pkgutil.walk_packages(totonou.web.__path__, prefix="totonou.web."):
        modules.append(importlib.import_module(info.name))
    found = set()
    for module in modules:
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                found.add(value)
    return {form_class for form_class in found if not _is_base(form_class, found)}


def test_every_form_of_the_app_is_listed():
    found = _app_form_classes()
    missing = sorted(_label(form) for form in found - set(BUILDERS))
    assert not missing, f"forms this test does not build: {missing}; add them to BUILDERS"
    assert set(BUILDERS) == found
    assert len(BUILDERS) == COMPARED
    assert len({_label(form) for form in BUILDERS}) == COMPARED  # both PreferencesForm, told apart


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", list(BUILDERS), ids=_label)
def test_the_apps_forms_render_the_same_markup(form_class, scene):
    cases = list(BUILDERS[form_class](scene))
    assert any("data" in kwargs for _label, kwargs in cases), "compare the form with errors too"
    for label, kwargs in cases:
        slow, fast = both(form_class, **kwargs)  # a form that cannot be built fails here
        if slow.is_bound:
            assert not slow.is_valid(), label
            fast.is_valid()
            assert fast.errors == slow.errors, label
        assert len(slow.fields) > 0
        for name in slow.fields:
            assert str(fast[name]) == str(slow[name]), f"{label}: {name}"
        assert str(fast) == str(slow), label


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", list(BUILDERS), ids=lambda form_class: form_class.__name__)
def test_no_form_offers_a_dashed_empty_choice(form_class, scene):
    """An empty choice reads "All" (a filter) or says what it means, never Django's "---------"."""
    for label, kwargs in BUILDERS[form_class](scene):
        html = str(form_class(**kwargs))
        assert "---------" not in html, label
        assert ">Any<" not in html, label


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", list(BUILDERS), ids=lambda form_class: form_class.__name__)
def test_every_label_starts_with_a_capital_in_english(form_class, scene):
    """A label is a heading: "Website", not the model's lower-case verbose name "website"."""
    for label, kwargs in BUILDERS[form_class](scene):
        form = form_class(**kwargs)
        for name, field in form.fields.items():
            text = str(field.label if field.label is not None else form[name].label)
            first = text.lstrip("★ ")[:1]
            assert not first.islower(), f"{label}: {name} is labelled {text!r}"
