"""Personal notifications: recorded by the domain services inside their transactions, shown in the bell
and/or sent by email according to the recipient's preferences.

The domain says who, what kind, the words (made here in both languages, so the bell and the mail read in
the reader's language) and the link; this module decides how: a bell row, a single mail (through the
outbox, so after commit only; delayed past the recipient's quiet hours), or a line in tomorrow's digest.
A deactivated recipient hears nothing. A ``dedupe_key`` makes a notification happen once.

Recipients are the user model's instances; this module reads only ``pk``, ``is_active``, ``email``,
``language`` and ``time_zone`` and imports no domain app.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import zoneinfo
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from totonou.core.links import absolute_url
from totonou.notifications.mail import not_before
from totonou.notifications.models import (
    DEFAULT_CHANNELS,
    Channels,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationSettings,
    PersonalRun,
)

logger = logging.getLogger("totonou.notifications")

LANGUAGES = ("ja", "en")
Text = str | Callable[[], str]


def bilingual(text: Text) -> dict[str, str]:
    """``text`` (a string or a function that calls gettext) in every language."""
    if isinstance(text, str):
        return dict.fromkeys(LANGUAGES, text)
    words: dict[str, str] = {}
    for language in LANGUAGES:
        with translation.override(language):
            words[language] = str(text())
    return words


def user_language(user: Any) -> str:
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language[:2] if language[:2] in LANGUAGES else "ja"


def user_zone(user: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def preferences_of(user: Any) -> dict[str, str]:
    """How ``user`` hears of each kind (their choices over the defaults). One query."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channels"))
    return {kind: chosen.get(kind, DEFAULT_CHANNELS[kind]) for kind in NotificationKind.values}


def settings_of(user: Any) -> NotificationSettings:
    """The user's digest and quiet hours (an unsaved default row when they never chose)."""
    row = NotificationSettings.objects.filter(user=user).first()
    return row if row is not None else NotificationSettings(user=user)


def quiet_until(row: NotificationSettings, *, now: datetime.datetime, zone: zoneinfo.ZoneInfo) -> Any:
    """When the recipient's quiet hours end, if ``now`` is inside them; else None. Hours may cross
    midnight (22:00–07:00)."""
    if row.quiet_start is None or row.quiet_end is None or row.quiet_start == row.quiet_end:
        return None
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    start, end = row.quiet_start, row.quiet_end
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, end, tzinfo=zone)


@transaction.atomic(savepoint=False)  # part of the caller's transaction
def notification_record(
    *,
    recipient: Any,
    kind: str,
    title: Text,
    body: Text = "",
    link: str = "",
    ref: str = "",
    is_key: bool = False,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Record a notification of ``kind`` for ``recipient`` as they chose to hear of it: the bell, a mail,
    a digest line, or nothing. None when nothing was recorded (an inactive recipient, "none", a repeat of
    ``dedupe_key``)."""
    if recipient is None or not getattr(recipient, "is_active", False):
        return None
    if kind not in NotificationKind.values:
        raise ValueError(f"Unknown notification kind {kind!r}")
    chosen = (
        NotificationPreference.objects.filter(user=recipient, kind=kind)
        .values_list("channels", flat=True)
        .first()
    )
    channels = chosen or DEFAULT_CHANNELS[kind]
    if channels == Channels.NONE:
        return None
    wants_email = channels in {Channels.BOTH, Channels.EMAIL} and bool(getattr(recipient, "email", ""))
    if not wants_email and channels == Channels.EMAIL:
        return None
    user_settings = settings_of(recipient) if wants_email else None
    digest = bool(user_settings is not None and user_settings.digest)
    with timezone.override(user_zone(recipient)):  # dates in the words read in the recipient's zone
        words = {"title": bilingual(title), "body": bilingual(body)}
    notification = Notification(
        recipient=recipient,
        kind=kind,
        title=words["title"],
        body=words["body"],
        link=link[:500],
        ref=ref[:60],
        is_key=is_key,
        dedupe_key=dedupe_key,
        in_app=channels in {Channels.BOTH, Channels.IN_APP},
        digest_pending=digest,
    )
    _forget_unread(recipient)
    if dedupe_key is not None:
        if Notification.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            return None  # made by a concurrent transaction
    else:
        notification.save()
    if wants_email and not digest and user_settings is not None:
        notification_email_send(notification=notification, recipient=recipient, user_settings=user_settings)
    return notification


def _links(notification_link: str) -> dict[str, str]:
    return {
        "link": absolute_url(notification_link) if notification_link.startswith("/") else notification_link,
        "preferences": absolute_url(reverse("web:notification_preferences")),
    }


def _mail(*, recipient: Any, subject: str, template: str, context: dict[str, Any]) -> EmailMultiAlternatives:
    language, zone = user_language(recipient), user_zone(recipient)
    with translation.override(language), timezone.override(zone):
        context = {**context, "language": language, "recipient": recipient}
        text = render_to_string(f"notifications/email/{template}.txt", context)
        html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[recipient.email],
        headers={"List-Unsubscribe": f"<{context['links']['preferences']}>"},
    )
    message.attach_alternative(html, "text/html")
    return message


def notification_email_send(
    *, notification: Notification, recipient: Any, user_settings: NotificationSettings
) -> None:
    """One mail for one notification, in the recipient's language and time zone, written to the outbox
    (sent after commit); during quiet hours it waits until they end."""
    language = user_language(recipient)
    links = _links(notification.link)
    with translation.override(language):
        subject = "[Totonou] " + notification.text("title", language)
    message = _mail(
        recipient=recipient,
        subject=subject,
        template="notification",
        context={
            "notification": notification,
            "title": notification.text("title", language),
            "body": notification.text("body", language),
            "links": links,
        },
    )
    wait = quiet_until(user_settings, now=timezone.now(), zone=user_zone(recipient))
    with not_before(wait):
        message.send()


def digest_email_send(*, recipient: Any, notifications: Sequence[Notification]) -> None:
    language = user_language(recipient)
    links = _links("/")
    with translation.override(language):
        subject = "[Totonou] " + _("Your notifications of the day (%(count)s)") % {
            "count": len(notifications)
        }
    items = [
        {
            "title": item.text("title", language),
            "body": item.text("body", language),
            "link": _links(item.link)["link"],
            "created_at": item.created_at,
            "is_key": item.is_key,
        }
        for item in notifications
    ]
    message = _mail(
        recipient=recipient, subject=subject, template="digest", context={"items": items, "links": links}
    )
    message.send()


# --- Scheduled personal work: digests, purge, domain jobs --------------------------------------------


def digests_send(*, now: datetime.datetime | None = None) -> int:
    """Send each user who chose the digest their waiting notifications, once a local day from their
    digest time. How many digests were written."""
    now = now or timezone.now()
    user_ids = Notification.objects.filter(digest_pending=True).values("recipient_id")
    made = 0
    for row in NotificationSettings.objects.filter(digest=True, user_id__in=user_ids).select_related("user"):
        user = row.user
        zone = user_zone(user)
        local = now.astimezone(zone)
        if local.time().replace(tzinfo=None) < row.digest_time:
            continue
        try:
            with transaction.atomic():
                PersonalRun.objects.create(user=user, name="digest", local_date=local.date())
                pending = list(
                    Notification.objects.select_for_update()
                    .filter(recipient=user, digest_pending=True)
                    .order_by("created_at", "id")
                )
                Notification.objects.filter(pk__in=[item.pk for item in pending]).update(digest_pending=False)
                if pending and user.is_active and user.email:
                    digest_email_send(recipient=user, notifications=pending)
                    made += 1
        except IntegrityError:
            continue  # today's digest was made already (by this or another worker)
    return made


def notifications_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete notifications, sent emails and run markers older than ``TOTONOU_NOTIFICATION_KEEP_DAYS``."""
    from totonou.notifications.models import OutboundEmail

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.TOTONOU_NOTIFICATION_KEEP_DAYS)
    deleted, _rows = Notification.objects.filter(created_at__lt=cutoff).delete()
    OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT, created_at__lt=cutoff).delete()
    PersonalRun.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def personal_jobs_run(*, now: datetime.datetime | None = None) -> None:
    """The worker's scheduled personal work: the domain jobs of ``TOTONOU_PERSONAL_JOBS`` (reminders),
    then the digests and the purge. A failing job is logged and does not stop the others."""
    from django.utils.module_loading import import_string

    now = now or timezone.now()
    jobs: list[Callable[..., Any]] = [import_string(path) for path in settings.TOTONOU_PERSONAL_JOBS]
    everything: list[Callable[..., Any]] = [*jobs, digests_send, notifications_purge]
    for job in everything:
        try:
            job(now=now)
        except Exception:
            logger.exception("Personal job %s failed", getattr(job, "__name__", job))


# --- Reading and marking ----------------------------------------------------------------------------


#: The attribute of a user object that carries the bell's number read with the user (the sign-in backend
#: reads it in the user's own query: ``unread_count_expression``). A change of the user's notifications
#: through this module drops it, so the same request counts again.
UNREAD_ATTRIBUTE = "unread_notification_count"


def _unread(recipient: Any) -> Any:
    """The notifications the bell counts: shown in the app and not read (``notification_unread_idx``)."""
    return Notification.objects.filter(recipient=recipient, in_app=True, read_at__isnull=True)


def unread_count_expression() -> Any:
    """The bell's number as a subquery of a user query (``OuterRef("pk")`` the recipient): the sign-in
    backend annotates the signed-in user with it, so no page pays a query of its own for the bell."""
    counted = (
        _unread(OuterRef("pk")).order_by().values("recipient").annotate(unread=Count("*")).values("unread")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _forget_unread(user: Any) -> None:
    with contextlib.suppress(AttributeError):
        delattr(user, UNREAD_ATTRIBUTE)  # through ``request.user``'s lazy wrapper too


def unread_count(*, user: Any) -> int:
    """The bell's number: read with the user when the request signed them in (``UNREAD_ATTRIBUTE``), else
    one count on ``notification_unread_idx``."""
    known = getattr(user, UNREAD_ATTRIBUTE, None)
    if known is not None:
        return int(known)
    return _unread(user).count()


def notifications_mark_read(
    *, user: Any, ids: Sequence[int] | None = None, refs: Sequence[str] | None = None, kind: str | None = None
) -> int:
    """Mark the user's unread notifications read: all, or those with the given ids / records / kind."""
    _forget_unread(user)
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    if refs is not None:
        unread = unread.filter(ref__in=list(refs))
    if kind is not None:
        unread = unread.filter(kind=kind)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def preferences_update(
    *,
    user: Any,
    channels: dict[str, str] | None = None,
    digest: bool | None = None,
    digest_time: datetime.time | None = None,
    quiet_start: datetime.time | str | None = "",
    quiet_end: datetime.time | str | None = "",
) -> dict[str, Any]:
    """Save the user's choices (only what is given; ``quiet_start``/``quiet_end`` "" = unchanged, None =
    no quiet hours). Returns them as ``preferences_read`` does."""
    from totonou.core.exceptions import ValidationError

    errors: dict[str, list[str]] = {}
    for kind, value in (channels or {}).items():
        if kind not in NotificationKind.values:
            errors.setdefault("channels", []).append(_("Unknown kind: %(kind)s") % {"kind": kind})
        elif value not in Channels.values:
            errors.setdefault("channels", []).append(_("Unknown choice: %(value)s") % {"value": value})
    if errors:
        raise ValidationError(errors)
    for kind, value in (channels or {}).items():
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"channels": value})
    row = settings_of(user)
    if digest is not None:
        row.digest = digest
    if digest_time is not None:
        row.digest_time = digest_time
    if quiet_start != "":
        row.quiet_start = quiet_start
    if quiet_end != "":
        row.quiet_end = quiet_end
    if (row.quiet_start is None) != (row.quiet_end is None):
        raise ValidationError(
            {"quiet_end": [_("Give both the start and the end of the quiet hours, or neither.")]}
        )
    row.save()
    return preferences_read(user=user)


def preferences_read(*, user: Any) -> dict[str, Any]:
    row = settings_of(user)
    return {
        "channels": preferences_of(user),
        "digest": row.digest,
        "digest_time": row.digest_time,
        "quiet_start": row.quiet_start,
        "quiet_end": row.quiet_end,
    }
