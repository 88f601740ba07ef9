"""Visibility-aware querysets: every lookup of an id from a request goes through ``visible_to``."""

from __future__ import annotations

from typing import Any, Self

from django.db import models

from totonou.users.permissions import is_signed_in, owned_by_q


class VisibleQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> Self:
        """Signed-in users read everything (sharing is the point); anyone else nothing."""
        return self if is_signed_in(user) else self.none()


class OwnedQuerySet(VisibleQuerySet):
    """Records with an owner: managers and admins may change more than their own."""

    owner_field = "owner"

    def changeable_by(self, user: Any) -> Self:
        return self.filter(owned_by_q(user, self.owner_field))
