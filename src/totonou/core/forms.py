"""Form plumbing shared by the web forms: widgets, and showing a service's errors on the form.

Forms collect and parse input; the services decide. A service's ``ValidationError`` comes back
here and is shown next to the field it names (or above the form when no field shows that value).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from django import forms
from django.core.exceptions import ValidationError


class DateTimeLocalInput(forms.DateTimeInput):
    """``<input type="datetime-local">``; the field still accepts typed forms like ``2026/04/01 10:00``."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class ServiceErrorsMixin:
    """Maps the field names a service reports to this form's fields.

    ``service_field_map`` renames service fields (``{"ends_at": "duration"}``); a name the form does
    not show becomes a non-field error, so no message is ever lost.
    """

    service_field_map: Mapping[str, str] = {}

    def add_service_errors(self, error: ValidationError) -> None:
        form: forms.BaseForm = self  # type: ignore[assignment]
        if not hasattr(error, "error_dict"):
            form.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            field = self.service_field_map.get(name, name)
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)


T = TypeVar("T")


class ServiceForm(ServiceErrorsMixin, forms.Form, Generic[T]):
    """A form that hands its cleaned data to one service: ``save()`` validates, calls ``submit()`` and
    returns what the service returned, or None with the errors on the form (its own, or the service's
    ``ValidationError`` mapped to the fields by ``service_field_map``). Subclasses write ``submit()``
    only: the call of the service with ``self.cleaned_data``. Other service errors (``ConflictError``,
    ``PermissionDenied``) go through to the view."""

    def submit(self) -> T:
        raise NotImplementedError

    def save(self) -> T | None:
        if not self.is_valid():
            return None
        try:
            return self.submit()
        except ValidationError as error:
            self.add_service_errors(error)
            return None
