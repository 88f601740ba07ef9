"""The sign-in backend: Django's, reading the signed-in user with their team, the bell's number and the
reference data version (``core.reference``) in one query, compiled once per connection
(``core.compiled``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from totonou.core.compiled import CompiledQuery
from totonou.core.reference import version_expression
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
            reference_version=version_expression(),
        )
        .filter(pk=user_id)
    )


SIGNED_IN_USER = CompiledQuery(signed_in_user_query)


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
