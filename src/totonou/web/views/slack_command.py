"""Inbound from Slack: the ``/totonou`` slash command logs an activity for the mapped Totonou user.

``/totonou visit 株式会社サンプル: 見積の相談`` → a done visit with that customer, logged now, notes after
the colon. The type is a slug or its Japanese/English name; the customer is found by name or kana among
the customers the user may see. Slack's request signature (``X-Slack-Signature``, v0 HMAC-SHA256 with
``SLACK_SIGNING_SECRET`` over ``v0:{timestamp}:{body}``) and a five-minute timestamp window are checked
first: anything else is 401 and creates nothing. The answer is an ephemeral message, well within Slack's
three seconds (one activity write, no outbound call: its notifications go through the outbox). Names in
the answer are escaped for Slack's markup (``<!channel>`` in a customer's name stays words).

This module is an interface (like a view): it may use the domain services.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from totonou.activities.models import Activity
from totonou.activities.selectors import activity_type_by_word
from totonou.activities.services import activity_create
from totonou.core.exceptions import PermissionDenied, ValidationError
from totonou.core.links import web_url
from totonou.customers.selectors import customer_matches
from totonou.notifications.formats.slack import escape
from totonou.users.selectors import user_by_slack_id

MAX_AGE_SECONDS = 5 * 60
COMMAND = re.compile(r"^\s*(?P<type>\S+)\s+(?P<customer>[^:：]+?)\s*(?:[:：]\s*(?P<notes>.*))?$", re.S)


def signature_valid(
    *, secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None
) -> bool:
    if not secret or not timestamp.isdigit():
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    expected = (
        "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    )
    return hmac.compare_digest(expected, signature)


def _reply(text: str, status: int = 200) -> JsonResponse:
    return JsonResponse({"response_type": "ephemeral", "text": text}, status=status)


@csrf_exempt
@login_not_required
@require_POST
def slack_command(request: HttpRequest) -> HttpResponse:
    if not signature_valid(
        secret=settings.SLACK_SIGNING_SECRET,
        timestamp=request.headers.get("X-Slack-Request-Timestamp", ""),
        body=request.body,
        signature=request.headers.get("X-Slack-Signature", ""),
    ):
        return JsonResponse({"detail": "invalid signature"}, status=401)
    slack_user_id = request.POST.get("user_id", "")
    user = user_by_slack_id(slack_user_id)
    if user is None:
        return _reply(
            _(
                "Your Slack account is not linked to a Totonou user. "
                "Ask an administrator to set your Slack user id."
            )
        )
    with translation.override(user.language or settings.LANGUAGE_CODE):
        match = COMMAND.match(request.POST.get("text", ""))
        if match is None:
            return _reply(_("Usage: /totonou visit 株式会社サンプル: notes"))
        activity_type = activity_type_by_word(match["type"])
        if activity_type is None:
            return _reply(_("Unknown activity type “%(type)s”.") % {"type": escape(match["type"])})
        customers = customer_matches(user=user, name=match["customer"].strip())
        if len(customers) != 1:
            if not customers:
                return _reply(
                    _("No customer matches “%(name)s”.") % {"name": escape(match["customer"].strip())}
                )
            names = ", ".join(escape(customer.name) for customer in customers[:5])
            return _reply(_("Several customers match: %(names)s. Be more specific.") % {"names": names})
        now = timezone.now()
        try:
            activity = activity_create(
                actor=user,
                type=activity_type,
                customer=customers[0],
                status=Activity.Status.DONE,
                starts_at=now - datetime.timedelta(hours=1),
                ends_at=now,
                notes=(match["notes"] or "").strip(),
            )
        except (ValidationError, PermissionDenied) as error:
            return _reply(" ".join(getattr(error, "messages", [str(error)])))
        return _reply(
            _("Logged: %(type)s with %(customer)s. %(url)s")
            % {
                "type": escape(activity_type.name),
                "customer": escape(customers[0].name),
                "url": web_url(activity),
            }
        )
