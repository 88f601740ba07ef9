"""Errors raised by services. Interfaces (views, API, tasks) translate them; services never return HTTP."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["ConflictError", "PermissionDenied", "ValidationError"]


class ConflictError(Exception):
    """The record changed since the caller read it, or its state forbids the transition (HTTP 409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
