"""The team's fiscal-year target grid (reps × months, and the team's own row) and its spread helper.

The form parses the figures; ``targets.services.targets_save`` checks and writes them. Spreading and
copying only fill the grid (nothing is saved until the manager presses Save).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from totonou.core.forms import ServiceErrorsMixin
from totonou.targets.periods import FiscalPeriod
from totonou.targets.services import MAX_VALUE, TargetCell, spread_by_weights, spread_evenly
from totonou.users.models import Team, User

TEAM_ROW = "team"


def cell_name(row: str, month: FiscalPeriod) -> str:
    """``u12_2026-04`` for a rep's April, ``team_2026-04`` for the team's own figure."""
    return f"{row}_{month.key}"


def member_row(user: User) -> str:
    return f"u{user.pk}"


@dataclass
class GridRow:
    key: str  # "u12" or "team"
    label: str
    user: User | None
    fields: list[forms.BoundField]
    last_year: list[int] | None = None


class TargetGridForm(ServiceErrorsMixin, forms.Form):
    """A figure per member and month of the fiscal year, and the team's own monthly figures (empty: the
    members' sum). An empty cell clears that target."""

    spread_who = forms.ChoiceField(label=_("For"), required=False)
    spread_period = forms.ChoiceField(label=_("Period"), required=False)
    spread_value = forms.IntegerField(label=_("Figure"), required=False, min_value=0, max_value=MAX_VALUE)
    spread_method = forms.ChoiceField(
        label=_("Spread"),
        required=False,
        choices=[("even", _("Evenly over the months")), ("last_year", _("Like last year's actuals"))],
    )

    def __init__(
        self,
        *args: Any,
        team: Team,
        members: Sequence[User],
        year: FiscalPeriod,
        quarters: Sequence[FiscalPeriod],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.team, self.members, self.year, self.months = team, list(members), year, year.months()
        self.quarters = list(quarters)
        for row in [*(member_row(user) for user in self.members), TEAM_ROW]:
            for month in self.months:
                self.fields[cell_name(row, month)] = forms.IntegerField(
                    required=False,
                    min_value=0,
                    max_value=MAX_VALUE,
                    label=month.label,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1}),
                )
        self.fields["spread_who"].choices = [  # type: ignore[attr-defined]
            ("each", _("Each member")),
            *((str(user.pk), str(user)) for user in self.members),
            (TEAM_ROW, _("The team's own figure")),
        ]
        self.fields["spread_period"].choices = [  # type: ignore[attr-defined]
            (year.key, year.label),
            *((quarter.key, quarter.label) for quarter in self.quarters),
        ]

    def rows(self, last_year: Mapping[str, list[int]] | None = None) -> list[GridRow]:
        rows = [
            GridRow(
                member_row(user),
                str(user),
                user,
                [self[cell_name(member_row(user), month)] for month in self.months],
                (last_year or {}).get(member_row(user)),
            )
            for user in self.members
        ]
        rows.append(
            GridRow(
                TEAM_ROW,
                str(_("Team's own figure")),
                None,
                [self[cell_name(TEAM_ROW, month)] for month in self.months],
            )
        )
        return rows

    def cells(self) -> list[TargetCell]:
        """Every cell of the grid, for ``targets_save`` (None clears)."""
        cells = []
        for user in self.members:
            for month in self.months:
                value = self.cleaned_data.get(cell_name(member_row(user), month))
                cells.append(TargetCell(period=month.key, value=value, user=user))
        for month in self.months:
            cells.append(
                TargetCell(
                    period=month.key, value=self.cleaned_data.get(cell_name(TEAM_ROW, month)), team=self.team
                )
            )
        return cells

    def spread(self, last_year: Mapping[str, list[int]]) -> dict[str, Any] | None:
        """The posted grid with the spread figure written into its months; None (with errors on the
        form) when the spread fields are incomplete."""
        who = self.cleaned_data.get("spread_who")
        key = self.cleaned_data.get("spread_period")
        value = self.cleaned_data.get("spread_value")
        method = self.cleaned_data.get("spread_method") or "even"
        if value is None:
            self.add_error("spread_value", _("Give the figure to spread."))
            return None
        period = next((item for item in [self.year, *self.quarters] if item.key == key), self.year)
        months = period.months()
        indices = [self.months.index(month) for month in months]
        if who == "each":
            rows = [member_row(user) for user in self.members]
        elif who == TEAM_ROW:
            rows = [TEAM_ROW]
        else:
            rows = [f"u{who}"]
        data = {name: self.data.get(name, "") for name in self.fields}
        for row in rows:
            history = last_year.get(row)
            if method == "last_year" and history is not None:
                parts = spread_by_weights(value, [history[index] for index in indices])
            else:
                parts = spread_evenly(value, len(months))
            for month, part in zip(months, parts, strict=True):
                data[cell_name(row, month)] = str(part)
        return data
