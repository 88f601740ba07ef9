"""Writes for the team's channel set-up: create, change, delete and test channels, retry deliveries.
A channel filtered to a team is that team's: its managers and admins change it; a channel for every
team is shared like the reference data (``users.permissions.can_change_team_owned``). The outbox
itself is ``notifications.services``."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.core.audit import audit_record, snapshot
from totonou.core.exceptions import ValidationError
from totonou.core.http import OutboundError, check_url
from totonou.core.services import lock, reject_unknown, save_changes
from totonou.notifications.models import CHANNEL_FILTERS, TEST_EVENT, Channel, Delivery, Event, EventName
from totonou.notifications.services import deliveries_create
from totonou.users.permissions import ensure_can_change_team_owned

CHANNEL_FIELDS = {
    "name",
    "kind",
    "url",
    "room_id",
    "token",
    "secret",
    "language",
    "events",
    *CHANNEL_FILTERS.values(),
    "key_only",
    "digest_time",
    "time_zone",
    "enabled",
}
SECRET_FIELDS = ("token", "secret")


def _clean_events(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ValidationError({"events": [_("Give the events as a list.")]})
    unknown = [item for item in value if item not in EventName.values]
    if unknown:
        raise ValidationError(
            {"events": [_("Unknown events: %(names)s") % {"names": ", ".join(sorted(set(unknown)))}]}
        )
    return list(dict.fromkeys(value))


def _check_channel(channel: Channel, *, check_address: bool = True) -> None:
    """The fields each kind needs; the URL must pass the outbound guard (``check_address``: unless the
    address is unchanged on a channel that stays disabled)."""
    errors: dict[str, list[str]] = {}
    if channel.kind == Channel.Kind.CHATWORK:
        if not channel.room_id.strip():
            errors["room_id"] = [_("Enter the Chatwork room id.")]
        elif not channel.room_id.strip().isdigit():
            errors["room_id"] = [_("A Chatwork room id is a number.")]
        if not channel.token:
            errors["token"] = [_("Enter the Chatwork API token.")]
    else:
        if not channel.url:
            errors["url"] = [_("Enter the webhook URL.")]
        elif check_address:
            try:
                check_url(channel.url)
            except OutboundError as error:
                errors["url"] = [error.message]
    if channel.kind == Channel.Kind.WEBHOOK and not channel.secret:
        errors["secret"] = [_("Enter a signing secret (for example whsec_ and 32 random base64 bytes).")]
    if channel.time_zone not in zoneinfo.available_timezones():
        errors["time_zone"] = [_("Unknown time zone.")]
    if errors:
        raise ValidationError(errors)


def _audit_snapshot(channel: Channel) -> dict[str, Any]:
    fields = sorted(CHANNEL_FIELDS - set(SECRET_FIELDS))
    return snapshot(channel, fields)


@transaction.atomic
def channel_create(*, actor: Any, name: str, kind: str, **fields: Any) -> Channel:
    """A new channel (for a team: its managers and admins). Secrets (``token``, ``secret``) are stored,
    never shown."""
    ensure_can_change_team_owned(actor, fields.get("team_id"))
    reject_unknown(fields, CHANNEL_FIELDS)
    if "events" in fields:
        fields["events"] = _clean_events(fields["events"])
    channel = Channel(name=name, kind=kind, created_by=actor, **fields)
    channel.room_id = channel.room_id.strip()
    channel.full_clean(exclude=["created_by"])
    _check_channel(channel)
    channel.save()
    audit_record(actor=actor, instance=channel, action="create", changes=_audit_snapshot(channel))
    return channel


@transaction.atomic
def channel_update(*, actor: Any, channel: Channel, **changes: Any) -> Channel:
    """Change a channel. A secret left out (or empty) keeps the stored one. Moving it to another team
    needs the right to change that team's channels too. An unchanged address is checked again only
    when the channel stays enabled: a channel whose saved URL the guard now refuses can be disabled."""
    channel = lock(channel)
    ensure_can_change_team_owned(actor, channel.team_id)
    if "team_id" in changes:
        ensure_can_change_team_owned(actor, changes["team_id"])
    reject_unknown(changes, CHANNEL_FIELDS)
    for secret in SECRET_FIELDS:
        if secret in changes and not changes[secret]:
            del changes[secret]
    if "events" in changes:
        changes["events"] = _clean_events(changes["events"])
    secrets = {name: changes.pop(name) for name in SECRET_FIELDS if name in changes}
    candidate = Channel(**{f.attname: getattr(channel, f.attname) for f in Channel._meta.concrete_fields})
    for field, value in {**changes, **secrets}.items():
        setattr(candidate, field, value)
    candidate.full_clean(exclude=["created_by"], validate_unique=False)
    address_changed = (candidate.kind, candidate.url) != (channel.kind, channel.url)
    _check_channel(candidate, check_address=address_changed or candidate.enabled)
    save_changes(instance=channel, changes=changes, actor=actor)
    if secrets:
        # Stored without going through the audit diff: a secret never appears in the audit trail.
        for field, value in secrets.items():
            setattr(channel, field, value)
        channel.save(update_fields=[*secrets, "updated_at"])
        audit_record(
            actor=actor, instance=channel, action="update", changes={name: ["…", "…"] for name in secrets}
        )
    return channel


@transaction.atomic
def channel_delete(*, actor: Any, channel: Channel) -> None:
    channel = lock(channel)
    ensure_can_change_team_owned(actor, channel.team_id)
    audit_record(actor=actor, instance=channel, action="delete")
    channel.delete()


def channel_test(*, actor: Any, channel: Channel) -> Delivery:
    """Send a test message now, outside any transaction, and return its delivery (with the attempt):
    ``status`` tells success, ``last_status_code`` / ``last_error`` the receiver's answer."""
    from totonou.notifications.delivery import delivery_attempt

    ensure_can_change_team_owned(actor, channel.team_id)
    with transaction.atomic():
        event = Event.objects.create(
            name=TEST_EVENT,
            payload={"channel": channel.pk, "name": channel.name},
            context={"channel": channel.name, "web_url": ""},
        )
        (delivery,) = deliveries_create(event, [channel])
        # Claimed by this request (with the usual lease), so no worker sends it at the same time.
        Delivery.objects.filter(pk=delivery.pk).update(
            claimed_by="test-message", claimed_until=timezone.now() + datetime.timedelta(minutes=5)
        )
    return delivery_attempt(delivery_id=delivery.pk, worker_id="test-message", final=True)


@transaction.atomic
def delivery_retry(*, actor: Any, delivery: Delivery) -> Delivery:
    """Send a failed or dead delivery again (one more round of attempts, starting now): whoever may
    change its channel."""
    delivery = lock(delivery)
    ensure_can_change_team_owned(actor, delivery.channel.team_id)
    if delivery.status == Delivery.Status.SUCCEEDED:
        raise ValidationError({"__all__": [_("This delivery has already succeeded.")]})
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=timezone.now(),
        claimed_by="",
        claimed_until=None,
        attempt_limit=delivery.attempt_count + settings.TOTONOU_DELIVERY_MAX_ATTEMPTS,
        updated_at=timezone.now(),
    )
    delivery.refresh_from_db()
    return delivery
