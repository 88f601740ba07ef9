"""Every page of Totonou, by area. URL names keep their namespaces (``activities:feed``,
``customers:customer_detail``, ``notifications:channel_list``, ``search:search``, ``web:home``), so
links and ``reverse()`` calls do not depend on where the view module lives.

This URLconf is included without a namespace so the sign-in URLs keep the global names Django's
settings use (``LOGIN_URL = "login"``).
"""

from django.urls import URLPattern, include, path

from totonou.web.views import (
    activity,
    activity_form,
    audit,
    calendar,
    calendar_feed,
    channels,
    customer_edit,
    customers,
    deal_edit,
    deals,
    exports,
    feed,
    imports,
    notification_center,
    pipeline,
    reports,
    search,
    setup,
    social,
    targets,
)
from totonou.web.views.home import home
from totonou.web.views.insights import insights, uncontacted_list, uncontacted_plan
from totonou.web.views.language import set_language
from totonou.web.views.preferences import settings_page, token_create, token_revoke
from totonou.web.views.slack_command import slack_command

web_patterns = (
    [
        path("", home, name="home"),
        path("insights/", insights, name="insights"),
        path("insights/uncontacted/", uncontacted_list, name="insights_uncontacted"),
        path("insights/pipeline/", pipeline.pipeline_analytics, name="insights_pipeline"),
        path("insights/uncontacted/<int:pk>/plan/", uncontacted_plan, name="insights_uncontacted_plan"),
        path("settings/", settings_page, name="settings"),
        path("settings/tokens/", token_create, name="token_create"),
        path("settings/tokens/<int:pk>/revoke/", token_revoke, name="token_revoke"),
        path("language/", set_language, name="set_language"),
        path("notifications/", notification_center.notification_list, name="notifications"),
        path("notifications/read/", notification_center.notification_mark_read, name="notifications_read"),
        path("notifications/<int:pk>/", notification_center.notification_open, name="notification_open"),
        path(
            "settings/notifications/",
            notification_center.notification_preferences,
            name="notification_preferences",
        ),
        path("settings/calendar/rotate/", calendar_feed.feed_rotate, name="calendar_feed_rotate"),
        path("settings/calendar/team/", calendar_feed.feed_team, name="calendar_feed_team"),
        path("settings/calendar/revoke/", calendar_feed.feed_revoke, name="calendar_feed_revoke"),
        path("calendar/feed/<str:token>.ics", calendar_feed.calendar_feed, name="calendar_feed"),
    ],
    "web",
)

activity_patterns = (
    [
        path("feed/", feed.feed, name="feed"),
        path("feed/new/", feed.feed_new, name="feed_new"),
        path("feed/<int:pk>/comments/", feed.feed_comments, name="feed_comments"),
        path("mentions/", social.mentions, name="mentions"),
        path("mentions/read/", social.mentions_mark_read, name="mentions_mark_read"),
        path("activities/<int:pk>/comments/", social.comment_create, name="comment_create"),
        path("activities/<int:pk>/reactions/", social.reaction_toggle, name="reaction_toggle"),
        path("activities/<int:pk>/review/", social.activity_review, name="activity_review"),
        path("deals/<int:pk>/comments/", social.deal_comment_create, name="deal_comment_create"),
        path("comments/<int:pk>/delete/", social.comment_delete, name="comment_delete"),
        path("calendar/", calendar.calendar, name="calendar"),
        path("activities/<int:pk>/", activity.activity_detail, name="activity_detail"),
        path("activities/<int:pk>/ics", calendar_feed.activity_ics_download, name="activity_ics"),
        path("activities/new/", activity_form.activity_create, name="activity_create"),
        path(
            "activities/new/customers/",
            activity_form.activity_form_customers,
            name="activity_form_customers",
        ),
        path(
            "activities/new/relations/",
            activity_form.activity_form_relations,
            name="activity_form_relations",
        ),
        path("activities/<int:pk>/edit/", activity_form.activity_edit, name="activity_edit"),
        path("activities/<int:pk>/complete/", activity.activity_complete, name="activity_complete"),
        path("activities/<int:pk>/reschedule/", activity.activity_reschedule, name="activity_reschedule"),
        path("activities/<int:pk>/cancel/", activity.activity_cancel, name="activity_cancel"),
    ],
    "activities",
)

customer_patterns = (
    [
        path("", customers.customer_list_view, name="customer_list"),
        path("new/", customer_edit.customer_create, name="customer_create"),
        path("bulk/", customer_edit.customer_bulk, name="customer_bulk"),
        path("reassign/", customer_edit.customer_reassign_view, name="customer_reassign"),
        path("<int:pk>/", customers.customer_detail, name="customer_detail"),
        path("<int:pk>/edit/", customer_edit.customer_edit, name="customer_edit"),
        path("<int:pk>/archive/", customer_edit.customer_archive, name="customer_archive"),
        path("<int:pk>/restore/", customer_edit.customer_restore, name="customer_restore"),
        path("<int:pk>/merge/", customer_edit.customer_merge_view, name="customer_merge"),
        path("<int:pk>/contacts/new/", customer_edit.contact_create, name="contact_create"),
        path("contacts/<int:pk>/edit/", customer_edit.contact_edit, name="contact_edit"),
        path("contacts/<int:pk>/move/", customer_edit.contact_move, name="contact_move"),
        path("contacts/<int:pk>/archive/", customer_edit.contact_archive, name="contact_archive"),
        path("contacts/<int:pk>/restore/", customer_edit.contact_restore, name="contact_restore"),
    ],
    "customers",
)

deal_patterns = (
    [
        path("", deals.deal_list_view, name="deal_list"),
        path("<int:pk>/", deals.deal_detail, name="deal_detail"),
        path("new/", deal_edit.deal_create, name="deal_create"),
        path("new/customer/", deal_edit.deal_form_customer, name="deal_form_customer"),
        path("<int:pk>/edit/", deal_edit.deal_edit, name="deal_edit"),
        path("<int:pk>/stage/", deal_edit.deal_stage, name="deal_stage"),
        path("<int:pk>/delete/", deal_edit.deal_delete_view, name="deal_delete"),
        path("<int:pk>/archive/", deal_edit.deal_archive_view, name="deal_archive"),
        path("<int:pk>/restore/", deal_edit.deal_restore_view, name="deal_restore"),
    ],
    "deals",
)

pipeline_patterns = (
    [
        path("", pipeline.pipeline_board, name="board"),
        path("stalled/", pipeline.stalled_list, name="stalled"),
        path("analytics/", pipeline.pipeline_analytics_moved, name="analytics"),
    ],
    "pipeline",
)

channel_patterns = (
    [
        path("channels/", channels.channel_index, name="channel_list"),
        path("channels/new/", channels.channel_edit, name="channel_create"),
        path("channels/<int:pk>/", channels.channel_edit, name="channel_edit"),
        path("channels/<int:pk>/delete/", channels.channel_delete, name="channel_delete"),
        path("channels/<int:pk>/test/", channels.channel_test, name="channel_test"),
        path("deliveries/", channels.delivery_index, name="delivery_list"),
        path("deliveries/<int:pk>/retry/", channels.delivery_retry, name="delivery_retry"),
        path("emails/", notification_center.email_list, name="email_list"),
        path("emails/<int:pk>/retry/", notification_center.email_retry_view, name="email_retry"),
    ],
    "notifications",
)

search_patterns = ([path("", search.search_page, name="search")], "search")

target_patterns = (
    [
        path("", targets.targets_page, name="index"),
        path("edit/", targets.targets_edit, name="edit"),
    ],
    "targets",
)


report_patterns = (
    [
        path("", reports.my_week, name="my_week"),
        path("<int:pk>/", reports.report_view, name="report_detail"),
        path("<int:pk>/review/", reports.report_review, name="review"),
        path("<int:pk>/comment/", reports.report_comment, name="comment"),
        path("week/<str:week>/save/", reports.report_save, name="save"),
        path("week/<str:week>/submit/", reports.report_submit, name="submit"),
        path("team/", reports.review_queue, name="queue"),
        path("team/pack/", reports.meeting_pack, name="pack"),
        path("history/", reports.my_history, name="history"),
        path("member/<int:pk>/", reports.member_history, name="member_history"),
        path("member/<int:pk>/week/<str:week>/", reports.member_week, name="member_week"),
    ],
    "reports",
)


def _reference_patterns(prefix: str, kind: str) -> list[URLPattern]:
    """List, new, edit and delete for one shared list (segments, stages, loss reasons, activity types)."""
    return [
        path(f"{prefix}/", setup.reference_list, {"kind": kind}, name=f"{kind}_list"),
        path(f"{prefix}/new/", setup.reference_edit, {"kind": kind}, name=f"{kind}_create"),
        path(f"{prefix}/<int:pk>/", setup.reference_edit, {"kind": kind}, name=f"{kind}_edit"),
        path(f"{prefix}/<int:pk>/delete/", setup.reference_delete, {"kind": kind}, name=f"{kind}_delete"),
    ]


setup_patterns = (
    [
        path("users/", setup.user_list, name="user_list"),
        path("users/new/", setup.user_create, name="user_create"),
        path("users/<int:pk>/", setup.user_edit, name="user_edit"),
        path("users/<int:pk>/password-link/", setup.user_password_link_view, name="user_password_link"),
        path("users/<int:pk>/unlock/", setup.user_signin_unlock_view, name="user_signin_unlock"),
        path("users/<int:pk>/deactivate/", setup.user_active, {"active": False}, name="user_deactivate"),
        path("users/<int:pk>/activate/", setup.user_active, {"active": True}, name="user_activate"),
        path("teams/", setup.team_list, name="team_list"),
        path("teams/new/", setup.team_edit, name="team_create"),
        path("teams/<int:pk>/", setup.team_edit, name="team_edit"),
        *_reference_patterns("segments", "segment"),
        *_reference_patterns("stages", "stage"),
        *_reference_patterns("loss-reasons", "loss_reason"),
        *_reference_patterns("activity-types", "activity_type"),
        path("password/", setup.password_change, name="password_change"),
        path("audit/", audit.audit_index, name="audit_list"),
    ],
    "setup",
)

import_patterns = (
    [
        path("exports/<str:kind>.<str:fmt>", exports.export_download, name="export"),
        path("imports/", imports.import_list, name="import_list"),
        path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
        path("imports/<int:pk>/report.csv", imports.import_report, name="import_report"),
    ],
    "imports",
)

urlpatterns = [
    path("", include(import_patterns)),
    path("accounts/", include("totonou.web.urls_accounts")),
    path("customers/", include(customer_patterns)),
    path("deals/", include(deal_patterns)),
    path("pipeline/", include(pipeline_patterns)),
    path("targets/", include(target_patterns)),
    path("reports/", include(report_patterns)),
    path("settings/", include(channel_patterns)),
    path("settings/", include(setup_patterns)),
    path("integrations/slack/command", slack_command, name="slack_command"),
    path("search", include(search_patterns)),
    path("", include(activity_patterns)),
    path("", include(web_patterns)),
]
