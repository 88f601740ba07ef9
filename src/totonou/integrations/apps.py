from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """The team's set-up of chat channels and webhooks: who may configure them, their validation, the
    delivery log and the API. The outbox that delivers is ``notifications`` (infrastructure)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "totonou.integrations"
    label = "integrations"
