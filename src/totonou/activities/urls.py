from django.urls import path

from totonou.activities import views
from totonou.activities.views import form as activity_form
from totonou.activities.views import social
from totonou.activities.views.feed import feed_comments, feed_new

app_name = "activities"

urlpatterns = [
    path("feed/", views.feed, name="feed"),
    path("feed/new/", feed_new, name="feed_new"),
    path("feed/<int:pk>/comments/", feed_comments, name="feed_comments"),
    path("mentions/", social.mentions, name="mentions"),
    path("mentions/read/", social.mentions_mark_read, name="mentions_mark_read"),
    path("activities/<int:pk>/comments/", social.comment_create, name="comment_create"),
    path("activities/<int:pk>/reactions/", social.reaction_toggle, name="reaction_toggle"),
    path("activities/<int:pk>/review/", social.activity_review, name="activity_review"),
    path("deals/<int:pk>/comments/", social.deal_comment_create, name="deal_comment_create"),
    path("comments/<int:pk>/delete/", social.comment_delete, name="comment_delete"),
    path("calendar/", views.calendar, name="calendar"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/new/", activity_form.activity_create, name="activity_create"),
    path("activities/new/customers/", activity_form.activity_form_customers, name="activity_form_customers"),
    path("activities/new/relations/", activity_form.activity_form_relations, name="activity_form_relations"),
    path("activities/<int:pk>/edit/", activity_form.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/complete/", views.activity_complete, name="activity_complete"),
    path("activities/<int:pk>/reschedule/", views.activity_reschedule, name="activity_reschedule"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="activity_cancel"),
]
