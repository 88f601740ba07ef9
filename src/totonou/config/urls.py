from django.contrib import admin
from django.urls import include, path

from totonou.config.api import api
from totonou.core.views import healthz
from totonou.notifications.slack_command import slack_command

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("customers/", include("totonou.customers.urls")),
    path("deals/", include("totonou.deals.urls")),
    path("settings/", include("totonou.notifications.urls")),
    path("integrations/slack/command", slack_command, name="slack_command"),
    path("search", include("totonou.search.urls")),
    path("", include("totonou.activities.urls")),
    path("", include("totonou.web.urls")),
]
