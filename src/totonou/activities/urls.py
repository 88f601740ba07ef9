from django.urls import path

from totonou.activities import views

app_name = "activities"

urlpatterns = [
    path("feed/", views.feed, name="feed"),
    path("calendar/", views.calendar, name="calendar"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/complete/", views.activity_complete, name="activity_complete"),
    path("activities/<int:pk>/reschedule/", views.activity_reschedule, name="activity_reschedule"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="activity_cancel"),
]
