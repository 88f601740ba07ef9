"""Forms of the team's set-up (Settings): users, teams, segments, stages, loss reasons, activity types.

Forms parse and show; the services in each app decide (permissions, the last admin, a stage in use) and
their errors come back onto the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UsernameField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from totonou.activities.models import ActivityType
from totonou.activities.services import activity_type_create, activity_type_update
from totonou.core.forms import ServiceErrorsMixin
from totonou.customers.models import Segment
from totonou.customers.services import segment_create, segment_update
from totonou.deals.models import LossReason, Stage
from totonou.deals.services import loss_reason_create, loss_reason_update, stage_create, stage_update
from totonou.users.models import (
    WEEKDAY_CHOICES,
    Team,
    User,
    default_report_deadline_time,
    default_report_deadline_weekday,
)
from totonou.users.services import (
    TEAM_SETTINGS,
    new_member_colour,
    team_create,
    team_update,
    user_create,
    user_update,
)
from totonou.web.forms.preferences import TimeZoneField, language_choices


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    """Checkboxes (usable on a phone) labelled with the person's name and role."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: models.Model) -> str:
        user: User = obj  # type: ignore[assignment]
        return f"{user} ({user.get_role_display()})"


class TeamChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class UserForm(ServiceErrorsMixin, forms.Form):
    """Create a user (``user_create``) or change one (``user_update``): role, teams, preferences."""

    username = UsernameField(
        label=_("Username"),
        max_length=150,
        help_text=_("What they sign in with. Letters, digits and @ . + - _ only."),
    )
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    email = forms.EmailField(
        label=_("Email"), required=False, help_text=_("For a password reset link by email.")
    )
    role = forms.ChoiceField(label=_("Role"), choices=User.Role.choices)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False, empty_label=_("No team")
    )
    managed_teams = TeamChoiceField(
        label=_("Manages the teams"),
        queryset=Team.objects.order_by("name"),
        required=False,
        help_text=_("Managers only: they change the records of these teams' members."),
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = TimeZoneField(label=_("Time zone"))
    calendar_color = forms.CharField(
        label=_("Calendar colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    slack_user_id = forms.CharField(
        label=_("Slack user id"),
        max_length=32,
        required=False,
        help_text=_("For mentions in Slack, e.g. U012AB3CD."),
    )
    chatwork_account_id = forms.CharField(label=_("Chatwork account id"), max_length=32, required=False)

    fields_on_update = (
        "display_name",
        "email",
        "role",
        "team",
        "managed_teams",
        "language",
        "time_zone",
        "calendar_color",
        "slack_user_id",
        "chatwork_account_id",
    )

    def __init__(self, *args: Any, actor: User, user: User | None = None, **kwargs: Any) -> None:
        self.actor, self.user = actor, user
        initial: dict[str, Any] = {
            "role": User.Role.REP,
            "time_zone": "Asia/Tokyo",
            "calendar_color": new_member_colour(None),
        }
        if user is not None:
            initial = {name: getattr(user, name) for name in self.fields_on_update if name != "managed_teams"}
            initial["team"] = user.team_id
            initial["managed_teams"] = [team.pk for team in user.managed_teams.all()]
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [  # type: ignore[attr-defined]
            ("", _("The browser's language")),
            *language_choices(),
        ]
        self.fields["time_zone"].set_current(self.initial.get("time_zone", ""))  # type: ignore[attr-defined]
        if user is not None:
            del self.fields["username"]

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("A user with this username already exists."), code="unique")
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") != User.Role.MANAGER and data.get("managed_teams"):
            self.add_error("managed_teams", _("Only a manager manages teams."))
        return data

    def save(self) -> User | None:
        if not self.is_valid():
            return None
        data = dict(self.cleaned_data)
        try:
            if self.user is None:
                return user_create(actor=self.actor, password=None, **data)
            changes = {name: data[name] for name in self.changed_data}
            return user_update(actor=self.actor, user=self.user, **changes)
        except ValidationError as error:
            self.add_service_errors(error)
            return None


class TeamSettingsForm(ServiceErrorsMixin, forms.Form):
    """A team's settings, which its managers change too: the time zone (period boundaries, the report
    deadline) and the weekly report's deadline (a weekday and a local time). A setting left out of the
    request stays as it is (a new team: the defaults)."""

    time_zone = TimeZoneField(
        label=_("Time zone"),
        required=False,
        help_text=_(
            "Months, quarters and fiscal years begin at midnight here, and the report deadline is here."
        ),
    )
    report_deadline_weekday = forms.TypedChoiceField(
        label=_("Weekly report due on"), choices=WEEKDAY_CHOICES, coerce=int, required=False, empty_value=None
    )
    report_deadline_time = forms.TimeField(
        label=_("Weekly report due at"),
        required=False,
        help_text=_(
            "Local time in the team's time zone, e.g. 18:00. "
            "Members who have not submitted by then are reminded."
        ),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args: Any, actor: User, team: Team | None = None, **kwargs: Any) -> None:
        self.actor, self.team = actor, team
        if team is not None:
            kwargs.setdefault("initial", {})
            kwargs["initial"] = {**self.settings_initial(team), **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        if team is None:
            self.initial.update(
                {
                    "time_zone": Team._meta.get_field("time_zone").get_default(),
                    "report_deadline_weekday": default_report_deadline_weekday(),
                    "report_deadline_time": default_report_deadline_time(),
                }
            )
        self.fields["time_zone"].set_current(team.time_zone if team else "")  # type: ignore[attr-defined]

    @staticmethod
    def settings_initial(team: Team) -> dict[str, Any]:
        return {name: getattr(team, name) for name in TEAM_SETTINGS}

    def team_settings(self) -> dict[str, Any]:
        values = {name: self.cleaned_data.get(name) for name in TEAM_SETTINGS}
        return {name: None if value in ("", None) else value for name, value in values.items()}

    def save(self) -> Team | None:
        if not self.is_valid():
            return None
        assert self.team is not None
        try:
            return team_update(actor=self.actor, team=self.team, **self.team_settings())
        except ValidationError as error:
            self.add_service_errors(error)
            return None


class TeamForm(TeamSettingsForm):
    """The whole team (admins): its name, members and managers, and its settings."""

    name = forms.CharField(label=_("Name"), max_length=100)
    members = PeopleChoiceField(
        label=_("Members"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("A person is in one team: choosing them here moves them from their old team."),
    )
    managers = PeopleChoiceField(
        label=_("Managers"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Users with the manager role. They change the records of this team's members."),
    )
    field_order = ["name", "members", "managers", *TEAM_SETTINGS]

    def __init__(self, *args: Any, actor: User, team: Team | None = None, **kwargs: Any) -> None:
        if team is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": team.name,
                    "members": [user.pk for user in team.members.all()],
                    "managers": [user.pk for user in team.managers.all()],
                },
            )
        super().__init__(*args, actor=actor, team=team, **kwargs)
        people: QuerySet[User] = User.objects.filter(is_active=True).order_by("username", "id")
        if team is not None:  # an inactive member stays listed, so saving does not drop them by accident
            people = User.objects.filter(models.Q(is_active=True) | models.Q(team=team)).order_by(
                "username", "id"
            )
        self.fields["members"].queryset = people  # type: ignore[attr-defined]
        self.fields["managers"].queryset = people.filter(role=User.Role.MANAGER)  # type: ignore[attr-defined]

    def save(self) -> Team | None:
        if not self.is_valid():
            return None
        data = self.cleaned_data
        try:
            if self.team is None:
                return team_create(
                    actor=self.actor,
                    name=data["name"],
                    members=data["members"],
                    managers=data["managers"],
                    **self.team_settings(),
                )
            return team_update(
                actor=self.actor,
                team=self.team,
                name=data["name"],
                members=data["members"],
                managers=data["managers"],
                **self.team_settings(),
            )
        except ValidationError as error:
            self.add_service_errors(error)
            return None


class ReferenceForm(ServiceErrorsMixin, forms.ModelForm):
    """A shared list's entry (segment, stage, loss reason, activity type), saved by its service."""

    create_service: Any
    update_service: Any
    instance_argument: str

    def save(self, commit: bool = True) -> Any:
        if not self.is_valid():
            return None
        try:
            if self.instance.pk is None:
                return type(self).create_service(actor=self.actor, **self.cleaned_data)
            original = type(self.instance)._default_manager.get(pk=self.instance.pk)
            changes = {name: self.cleaned_data[name] for name in self.changed_data}
            return type(self).update_service(
                actor=self.actor, **{self.instance_argument: original}, **changes
            )
        except ValidationError as error:
            self.add_service_errors(error)
            return None

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        self.actor = actor
        super().__init__(*args, **kwargs)

    def _post_clean(self) -> None:
        """The services clean the model; here only the fields' own parsing runs (no duplicate queries)."""


class SegmentForm(ReferenceForm):
    create_service = staticmethod(segment_create)
    update_service = staticmethod(segment_update)
    instance_argument = "segment"

    class Meta:
        model = Segment
        fields = ("name", "color", "cadence_days", "key_cadence_days", "sort_order")
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}


class StageForm(ReferenceForm):
    create_service = staticmethod(stage_create)
    update_service = staticmethod(stage_update)
    instance_argument = "stage"

    class Meta:
        model = Stage
        fields = ("name_ja", "name_en", "order", "probability", "stagnation_days", "kind", "is_active")


class LossReasonForm(ReferenceForm):
    create_service = staticmethod(loss_reason_create)
    update_service = staticmethod(loss_reason_update)
    instance_argument = "loss_reason"

    class Meta:
        model = LossReason
        fields = ("name_ja", "name_en", "order", "is_active")


class ActivityTypeForm(ReferenceForm):
    create_service = staticmethod(activity_type_create)
    update_service = staticmethod(activity_type_update)
    instance_argument = "activity_type"

    class Meta:
        model = ActivityType
        fields = (
            "name_ja",
            "name_en",
            "counts_as_contact",
            "is_face_to_face",
            "is_customer_facing",
            "order",
            "is_active",
        )
