"""Admin building blocks: admins only, saves through the services, read-only records.

The admin is one more thin interface: a model with services saves, and deletes, through them
(``ServiceModelAdmin``); a record nobody edits by hand (audit entries, stage history) is read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from totonou.core.exceptions import ConflictError
from totonou.core.models import AuditEntry

admin.site.site_header = _("Totonou administration")
admin.site.site_title = _("Totonou administration")
admin.site.index_title = _("Users, teams, customers, deals and activities")
admin.site.site_url = "/"


def is_admin_user(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and getattr(user, "role", None) == "admin")


class AdminOnlyMixin:
    """Only users with the admin role see and use the admin (a staff flag alone is not enough)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin_user(request) and super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin_user(request) and super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_admin_user(request) and super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin_user(request) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin_user(request) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class AdminOnlyModelAdmin(AdminOnlyMixin, admin.ModelAdmin):
    """Plain configuration data without services (activity types, stages, loss reasons)."""


class ReadOnlyModelAdmin(AdminOnlyModelAdmin):
    """Records written only by the services (audit entries, stage history, comments): view only."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceModelAdmin(AdminOnlyModelAdmin):
    """A model whose writes go through its services.

    Subclasses implement ``service_create(request, data)``, ``service_update(request, obj, changes)``
    and ``service_delete(request, obj)``. ``service_fields`` are the form fields handed to the
    services. A ``ValidationError`` or ``ConflictError`` from a service rolls the save back and the
    form is shown again with the message on its field, like any other validation error.
    """

    service_fields: tuple[str, ...] = ()

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def service_update(self, request: HttpRequest, obj: Any, changes: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk deletes would bypass the services' checks
        return actions

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in self.service_fields if name in form.cleaned_data}
        if change:
            original = type(obj)._default_manager.get(pk=obj.pk)
            changes = {name: value for name, value in data.items() if name in form.changed_data}
            saved = self.service_update(request, original, changes) if changes else original
        else:
            saved = self.service_create(request, data)
        obj.pk = saved.pk
        obj._state.adding = False
        obj._state.db = saved._state.db

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:
        """Many-to-many fields are saved by the service, not by ``form.save_m2m()``.

        Inlines on these models are read-only: their formsets only need their (empty) change lists
        for the admin's history message.
        """
        for formset in formsets:
            formset.save(commit=False)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.service_delete(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        for obj in queryset:
            self.service_delete(request, obj)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            request._totonou_service_error = error  # type: ignore[attr-defined]
        except ConflictError as error:
            request._totonou_service_error = ValidationError(error.message)  # type: ignore[attr-defined]
        # The service refused (and its transaction rolled back): show the form again with its message.
        return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except (ValidationError, ConflictError) as error:
            text = error.message if isinstance(error, ConflictError) else " ".join(error.messages)
            self.message_user(request, text, messages.ERROR)
            return HttpResponseRedirect(request.path.rsplit("delete/", 1)[0])

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)
        error: ValidationError | None = getattr(request, "_totonou_service_error", None)
        if error is None:
            return form_class
        errors: Mapping[str, list[str]] = (
            error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        )

        class ServiceErrorForm(form_class):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                cleaned: dict[str, Any] = super().clean()
                for name, texts in errors.items():
                    self.add_error(name if name in self.fields else None, texts)
                return cleaned

        return ServiceErrorForm


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "action", "content_type", "object_repr", "actor")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "actor__username", "actor__display_name")
    date_hierarchy = "created_at"
    list_select_related = ("content_type", "actor")
    readonly_fields = ("content_type", "object_id", "object_repr", "action", "actor", "changes", "created_at")
