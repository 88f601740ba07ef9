"""Signals of the deal services, for the layers above ``deals`` (which it may not import).

``deal_stage_changed`` is sent inside the stage change's transaction, after its ``StageChange`` row is
written: the activities app records it in the team feed (ADR 0019)."""

from __future__ import annotations

from django.dispatch import Signal

#: Keyword arguments: ``deal`` (saved, in its new stage), ``actor``, ``stage_change`` (the new row),
#: ``from_stage`` (a ``Stage`` or None for a new deal's first stage) and ``reopened`` (a closed deal
#: went back to an open stage, or to the other closing stage).
deal_stage_changed = Signal()
