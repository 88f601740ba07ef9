"""The sign-in backend: Django's, reading the signed-in user with their team in the same query."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from totonou.users.models import User


class ModelBackend(DjangoModelBackend):
    """Every signed-in request reads its user once (``AuthenticationMiddleware``); pages that show or
    filter by the user's team (Settings, the pipeline, targets, the calendar's team) read it from there
    instead of one more query."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("team").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
