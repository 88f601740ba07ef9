"""The sign-in backend: Django's, reading the signed-in user with their team, the bell's number and the
reference data version (``core.reference``) in one query, compiled once per connection
(``core.compiled``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet

from totonou.core.compiled import CompiledQuery
from totonou.core.reference import VERSION_ATTRIBUTE, version_expression
from totonou.notifications.personal import UNREAD_ATTRIBUTE, unread_count_expression
from totonou.users.models import User
from totonou.users.permissions import MANAGED_IDS_ATTRIBUTE, ManagedIds


def signed_in_user_query(user_id: Any) -> QuerySet[User]:
    """The signed-in user, their team, the bell's number (unread notifications), the members of the teams
    they manage (``permissions.managed_user_ids``) and the reference data version
    (``reference_version``: the filters' lists a page may take from this process's copy)."""
    return (
        User._default_manager.select_related("team")
        .annotate(
            **{UNREAD_ATTRIBUTE: unread_count_expression(), MANAGED_IDS_ATTRIBUTE: ManagedIds()},
            **{VERSION_ATTRIBUTE: version_expression()},
        )
        .filter(pk=user_id)
    )


SIGNED_IN_USER = CompiledQuery(signed_in_user_query)

#: What ``token_user_query`` puts on the user: the token's id and its last use.
TOKEN_ID_ATTRIBUTE = "api_token_id"  # noqa: S105 - an attribute name
TOKEN_LAST_USED_ATTRIBUTE = "api_token_last_used_at"  # noqa: S105 - an attribute name


def token_user_query(key_hash: Any) -> QuerySet[User]:
    """The active user behind a live API token (by its key's hash), read as ``signed_in_user_query`` reads
    a signed-in user (their team, the members they manage, the reference data version; no bell: the API
    shows none), with the token's id and last use: an API request's one query before its own, and the
    activity types it names taken from the process's copy (``core.reference``)."""
    return (
        User._default_manager.select_related("team")
        .filter(api_tokens__key_hash=key_hash, api_tokens__revoked_at__isnull=True, is_active=True)
        .annotate(
            **{
                MANAGED_IDS_ATTRIBUTE: ManagedIds(),
                TOKEN_ID_ATTRIBUTE: F("api_tokens__id"),
                TOKEN_LAST_USED_ATTRIBUTE: F("api_tokens__last_used_at"),
            },
            **{VERSION_ATTRIBUTE: version_expression()},
        )
    )


TOKEN_USER = CompiledQuery(token_user_query, takes=str)


class ModelBackend(DjangoModelBackend):
    """Every signed-in request reads its user once (``AuthenticationMiddleware``); pages that show or
    filter by the user's team (Settings, the pipeline, targets, the calendar's team) read it from there
    instead of one more query, and every page's bell (unread notifications) is counted in it too
    (``notifications.personal.unread_count``; marking read or a new notification counts again)."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = SIGNED_IN_USER.first(pk)
        return user if user is not None and self.user_can_authenticate(user) else None
