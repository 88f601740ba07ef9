from django.contrib import admin
from django.urls import include, path

from totonou.config.api import api
from totonou.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("totonou.web.urls")),
]
