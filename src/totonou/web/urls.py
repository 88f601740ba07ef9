"""URLs of the web interface.

This URLconf is included without a namespace so the sign-in URLs keep the global names Django's
settings use (``LOGIN_URL = "login"``); the pages themselves are in the ``web`` namespace.
"""

from django.urls import include, path

from totonou.web import views

web_patterns = (
    [
        path("", views.home, name="home"),
        path("insights/", views.insights, name="insights"),
        path("insights/uncontacted/", views.uncontacted_list, name="insights_uncontacted"),
        path("insights/uncontacted/<int:pk>/plan/", views.uncontacted_plan, name="insights_uncontacted_plan"),
        path("settings/", views.settings_page, name="settings"),
        path("settings/tokens/", views.token_create, name="token_create"),
        path("settings/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
        path("language/", views.set_language, name="set_language"),
    ],
    "web",
)

urlpatterns = [
    path("accounts/", include("totonou.users.urls")),
    path("", include(web_patterns)),
]
