"""Admin for users, teams and API tokens (admins only; writes through ``users.services``).

Creating a user or a team goes through ``user_create`` / ``team_create``; a user's preferences
through ``user_update_preferences``. Role, team membership and activation are changed in the app
(Settings → Users / Teams, ``user_update`` / ``team_update``), so they are read-only here.
"""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UsernameField
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from totonou.core.admin import AdminOnlyMixin, ReadOnlyModelAdmin, ServiceModelAdmin
from totonou.users.models import ApiToken, Team, User
from totonou.users.services import (
    PREFERENCE_FIELDS,
    api_token_revoke,
    team_create,
    user_create,
    user_update_preferences,
)


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "display_name", "email", "role", "team")
        field_classes = {"username": UsernameField}


@admin.register(User)
class UserAdmin(AdminOnlyMixin, DjangoUserAdmin):
    add_form = UserCreationForm
    list_display = ("username", "display_name", "role", "team", "language", "is_active", "last_login")
    list_filter = ("role", "team", "is_active", "language")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    list_select_related = ("team",)
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Preferences"), {"fields": tuple(sorted(PREFERENCE_FIELDS))}),
        (_("Role and team"), {"fields": ("role", "team", "is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "display_name",
                    "email",
                    "role",
                    "team",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    actions = None

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return (
            "username",
            "role",
            "team",
            "is_active",
            "is_staff",
            "is_superuser",
            "last_login",
            "date_joined",
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # users own activities and deals: they are deactivated, never deleted

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        actor: User = request.user  # type: ignore[assignment]
        if change:
            changes = {
                name: form.cleaned_data[name] for name in form.changed_data if name in PREFERENCE_FIELDS
            }
            if changes:
                user_update_preferences(actor=actor, user=User.objects.get(pk=obj.pk), **changes)
            return
        created = user_create(
            actor=actor,
            username=form.cleaned_data["username"],
            password=(form.cleaned_data.get("password1") or None)
            if form.cleaned_data.get("set_usable_password", True)
            else None,
            role=form.cleaned_data["role"],
            team=form.cleaned_data.get("team"),
            display_name=form.cleaned_data.get("display_name", ""),
            email=form.cleaned_data.get("email", ""),
        )
        obj.pk = created.pk
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        """Groups and permissions are not used: roles decide (see ``users/permissions.py``)."""


class MembersInline(admin.TabularInline):
    model = User
    fk_name = "team"
    fields = ("username", "display_name", "role", "is_active")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("member")
    verbose_name_plural = _("members")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(ServiceModelAdmin):
    list_display = ("name", "time_zone", "report_deadline_weekday", "report_deadline_time", "created_at")
    search_fields = ("name",)
    service_fields = ("name",)
    inlines = (MembersInline,)
    # A team's settings are changed in the app (Settings → Teams), by its managers too.
    SHOWN = ("name", "managers", "time_zone", "report_deadline_weekday", "report_deadline_time")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:  # type: ignore[override]
        return ["name"] if obj is None else list(self.SHOWN)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else self.SHOWN

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Team:
        return team_create(actor=request.user, name=data["name"])  # type: ignore[arg-type]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyModelAdmin):
    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "name", "user__username")
    list_select_related = ("user",)
    exclude = ("key_hash",)
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {"count": count},
            messages.SUCCESS,
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Read-only models hide actions (no change permission); revoking is this admin's one write.
        if not self.has_view_permission(request):
            return {}
        return {"revoke": self.get_action("revoke")}


# --- Sign-in throttling (django-axes; AXES_ENABLE_ADMIN is off so only admins see these) ------------


@admin.register(AccessAttempt)
class SignInAttemptAdmin(AdminOnlyMixin, AccessAttemptAdmin):
    """Failed sign-ins counted by the throttling, one row per username, address and browser. Deleting a
    row unlocks what it locked (the username, the address)."""


@admin.register(AccessLog)
class SignInLogAdmin(AdminOnlyMixin, AccessLogAdmin):
    """Successful sign-ins and sign-outs (address, browser, time): read only."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
