"""Every write to the teams, and every new, deleted or renamed, recoloured, moved, promoted or deactivated
user, raises the reference data version (ADR 0048); a sign-in (``last_login``) does not."""

from django.db import migrations

from totonou.core import reference

#: What the filters show of a member (``web.views.choices.MEMBER_FIELDS``) and whom they list.
MEMBER_COLUMNS = (
    "display_name",
    "first_name",
    "last_name",
    "username",
    "calendar_color",
    "role",
    "team_id",
    "is_active",
)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_reference_version"), ("users", "0004_user_external_id")]

    operations = [
        reference.triggers_operation("users_team"),
        reference.triggers_operation("users_user", MEMBER_COLUMNS),
    ]
