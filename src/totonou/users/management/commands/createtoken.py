"""``totonou createtoken USERNAME [--name NAME]``: print a new API token for a user, and nothing else."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from totonou.users.models import ApiToken, User
from totonou.users.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it (it is shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument("--name", default="", help="A label to tell the user's tokens apart.")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        name: str = options["name"]
        max_length = ApiToken._meta.get_field("name").max_length or 0
        if len(name) > max_length:
            raise CommandError(
                _("The token name is too long (at most %(count)s characters).") % {"count": max_length}
            )
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(_("There is no user “%(username)s”.") % {"username": username}) from exc
        try:
            _token, raw = api_token_create(user=user, name=name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(raw)
