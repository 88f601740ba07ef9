from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "totonou.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from totonou.activities.services.deal_events import feed_record_stage_change
        from totonou.deals.signals import deal_stage_changed

        deal_stage_changed.connect(feed_record_stage_change, dispatch_uid="activities.feed_stage_change")
