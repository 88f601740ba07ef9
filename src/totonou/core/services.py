"""Shared write mechanics for the domain services: locked, versioned, validated, audited updates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from totonou.core.audit import audit_record, diff, snapshot
from totonou.core.exceptions import ConflictError

M = TypeVar("M", bound=models.Model)


def lock(instance: M) -> M:
    """The row, re-read under ``SELECT … FOR UPDATE`` (a no-op lock on SQLite's immediate transactions)."""
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def check_version(instance: models.Model, version: int | None) -> None:
    if version is not None and getattr(instance, "version", None) != version:
        raise ConflictError(
            _(
                "This record was changed by someone else (version %(current)s, you sent %(sent)s). "
                "Reload and retry."
            )
            % {"current": getattr(instance, "version", None), "sent": version}
        )


def ensure_aware(**values: Any) -> None:
    errors = {
        name: [_("Give a date and time with a time zone.")]
        for name, value in values.items()
        if value is not None and timezone.is_naive(value)
    }
    if errors:
        raise ValidationError(errors)


def reject_unknown(changes: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})


def save_changes(
    *,
    instance: M,
    changes: Mapping[str, Any],
    actor: Any,
    exclude_clean: Iterable[str] = (),
    validate_constraints: bool = True,
) -> dict[str, list[Any]]:
    """Apply ``changes`` (already validated by the caller's rules), clean, save and audit them.

    The caller holds the row lock. Returns the audit diff; when nothing changed, nothing is written.
    ``validate_constraints=False`` is for services that check their model's rules themselves (the
    database constraints still hold); each check constraint costs a query in ``full_clean``.
    """
    scalar = {name: value for name, value in changes.items() if not _is_m2m(instance, name)}
    before = snapshot(instance, scalar)
    for name, value in scalar.items():
        setattr(instance, name, value)
    after = snapshot(instance, scalar)
    changed = diff(before, after)
    if not changed:
        return {}
    # Validate only what changed: unchanged foreign keys would cost a query each, and constraints
    # that touch only unchanged fields cannot have become false.
    unchanged = [field.name for field in instance._meta.concrete_fields if field.name not in changed]
    instance.full_clean(exclude=[*unchanged, *exclude_clean], validate_constraints=validate_constraints)
    update_fields = list(changed)
    update_fields = [instance._meta.get_field(name).name for name in update_fields]
    if hasattr(instance, "version"):
        instance.version += 1
        update_fields.append("version")
    if hasattr(instance, "updated_at"):
        update_fields.append("updated_at")
    instance.save(update_fields=update_fields)
    audit_record(actor=actor, instance=instance, action="update", changes=changed)
    return changed


def _is_m2m(instance: models.Model, name: str) -> bool:
    try:
        return bool(instance._meta.get_field(name).many_to_many)
    except Exception:
        return False


def unique_slug(model: type[models.Model], *candidates: str, max_length: int = 40) -> str:
    """A slug for a new row of ``model``: from the first candidate that gives one (a Japanese name gives
    none), made unique with ``-2``, ``-3``…; ``item`` when no candidate gives a slug."""
    base = next((slugify(value)[: max_length - 4] for value in candidates if slugify(value)), "item")
    existing = set(model._default_manager.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 2
    while slug in existing:
        slug, number = f"{base}-{number}", number + 1
    return slug
