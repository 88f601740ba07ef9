"""Reminders: plans whose end has passed without a result.

``reminders_run`` is one of the worker's personal jobs (``TOTONOU_PERSONAL_JOBS``; the notifications app
calls it without importing the domain). It tells each owner about each plan that ended without a
result, once, at the end of the owner's working day (``TOTONOU_WORKDAY_END``, their time zone), and
gives each team manager, once a morning (``TOTONOU_WORKDAY_START``), the list of their members' plans
still without a result. An owner is reminded of plans that ended within ``REMIND_WINDOW`` (a new site
does not send a flood of old ones); the manager's list covers ``LIST_WINDOW``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from totonou.activities.models import Activity
from totonou.activities.personal_notifications import activity_label
from totonou.notifications.models import NotificationKind, PersonalRun
from totonou.notifications.personal import notification_record, user_zone
from totonou.users.models import Team, User

REMIND_WINDOW = datetime.timedelta(days=2)
LIST_WINDOW = datetime.timedelta(days=7)
MORNING_LIST_LENGTH = 20


def _clock(value: str) -> datetime.time:
    return datetime.time.fromisoformat(value)


def remind_at(activity: Activity, owner: User) -> datetime.datetime:
    """The end of the owner's working day on which the plan ended (the next one when it ended later)."""
    zone = user_zone(owner)
    end = _clock(settings.TOTONOU_WORKDAY_END)
    local_end = activity.ends_at.astimezone(zone)
    when = datetime.datetime.combine(local_end.date(), end, tzinfo=zone)
    return when if local_end <= when else when + datetime.timedelta(days=1)


def overdue_plans(*, now: datetime.datetime, window: datetime.timedelta, owners: Any = None) -> Any:
    queryset = Activity.objects.filter(
        status=Activity.Status.PLANNED, ends_at__lt=now, ends_at__gte=now - window, owner__is_active=True
    )
    if owners is not None:
        queryset = queryset.filter(owner__in=owners)
    return queryset


def _overdue_words(plan: Activity) -> Callable[[], str]:
    def words() -> str:
        return _("Your plan ended without a result: %(target)s") % {"target": activity_label(plan)}

    return words


def overdue_reminders_send(*, now: datetime.datetime) -> int:
    """Remind owners of their plans without a result, once per plan, at the end of their working day."""
    from totonou.notifications.models import Notification

    reminded = Notification.objects.filter(
        dedupe_key=Concat(Value("overdue:"), Cast(OuterRef("pk"), CharField()))
    )
    plans = list(
        overdue_plans(now=now, window=REMIND_WINDOW)
        .exclude(Exists(reminded))
        .select_related("owner", "type", "customer")
        .order_by("ends_at", "id")[:500]
    )
    if not plans:
        return 0
    keys = {f"overdue:{plan.pk}": plan for plan in plans}
    made = 0
    for key, plan in keys.items():
        if now < remind_at(plan, plan.owner):
            continue
        with transaction.atomic():
            made += (
                notification_record(
                    recipient=plan.owner,
                    kind=NotificationKind.REMINDER,
                    title=_overdue_words(plan),
                    body=lambda: _("Record the result, or move or cancel the plan."),
                    link=plan.get_absolute_url(),
                    ref=f"activities.activity:{plan.pk}",
                    is_key=plan.is_key_customer,
                    dedupe_key=key,
                )
                is not None
            )
    return made


def morning_lists_send(*, now: datetime.datetime) -> int:
    """Each team manager, once a local morning: their members' plans still without a result."""
    start = _clock(settings.TOTONOU_WORKDAY_START)
    managers = list(User.objects.filter(is_active=True, managed_teams__isnull=False).distinct())
    made = 0
    for manager in managers:
        zone = user_zone(manager)
        local = now.astimezone(zone)
        if local.time().replace(tzinfo=None) < start:
            continue
        if PersonalRun.objects.filter(user=manager, name="overdue-team", local_date=local.date()).exists():
            continue
        teams = Team.objects.filter(managers=manager)
        members = User.objects.filter(team__in=teams).exclude(pk=manager.pk)
        midnight = datetime.datetime.combine(local.date(), datetime.time(0), tzinfo=zone)
        plans = list(
            overdue_plans(now=midnight, window=LIST_WINDOW, owners=members)
            .select_related("owner", "type", "customer")
            .order_by("owner__username", "ends_at", "id")[: MORNING_LIST_LENGTH + 1]
        )
        try:
            with transaction.atomic():
                PersonalRun.objects.create(user=manager, name="overdue-team", local_date=local.date())
                if not plans:
                    continue
                made += _morning_list_record(manager, plans, local.date())
        except IntegrityError:
            continue
    return made


def _morning_list_record(manager: User, plans: list[Activity], day: datetime.date) -> int:
    shown = plans[:MORNING_LIST_LENGTH]
    more = len(plans) > MORNING_LIST_LENGTH

    def title() -> str:
        if more:
            return _("More than %(count)s plans of your team ended without a result") % {"count": len(shown)}
        return ngettext(
            "%(count)s plan of your team ended without a result",
            "%(count)s plans of your team ended without a result",
            len(shown),
        ) % {"count": len(shown)}

    def body() -> str:
        return "\n".join(f"{plan.owner} · {activity_label(plan)}" for plan in shown)

    team = Team.objects.filter(managers=manager).order_by("pk").first()
    link = reverse("activities:calendar") + (f"?team={team.pk}" if team is not None else "")
    record = notification_record(
        recipient=manager,
        kind=NotificationKind.REMINDER,
        title=title,
        body=body,
        link=link,
        is_key=any(plan.is_key_customer for plan in shown),
        dedupe_key=f"overdue-team:{manager.pk}:{day.isoformat()}",
    )
    return int(record is not None)


def reminders_run(*, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    with translation.override(None):
        return overdue_reminders_send(now=now) + morning_lists_send(now=now)
