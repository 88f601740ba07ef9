from django.urls import path

from totonou.activities import views

app_name = "activities"

urlpatterns = [
    path("feed/", views.feed, name="feed"),
    path("calendar/", views.calendar, name="calendar"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
]
