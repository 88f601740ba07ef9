"""Totonou's URLs plus Django's own password-reset views (another branch adds the pages), so the reset
mail can be rendered as Django renders it."""

from django.urls import include, path

urlpatterns = [
    path("auth/", include("django.contrib.auth.urls")),
    path("", include("totonou.config.urls")),
]
