"""A record page's comment thread and mention hints read the columns they show, not every column of the
users they join (the password hash among them), and showing them reads no column they left out."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import DealFactory
from totonou.activities.selectors import comment_thread
from totonou.activities.services import comment_create
from totonou.users.selectors import mention_hint_users

pytestmark = pytest.mark.django_db


def test_a_comment_thread_reads_its_authors_names_only(team_a):
    _, manager, (rep, _) = team_a
    deal = DealFactory(owner=rep)
    comment_create(actor=manager, body="次回は部長同席で", deal=deal)
    comment_create(actor=rep, body="承知しました", deal=deal)
    with CaptureQueriesContext(connection) as captured:
        comments = list(comment_thread(user=manager, deal=deal))
        shown = [(str(comment.author), comment.body, comment.author_id) for comment in comments]
    assert len(captured) == 1
    assert shown == [(str(manager), "次回は部長同席で", manager.pk), (str(rep), "承知しました", rep.pk)]
    sql = captured.captured_queries[0]["sql"]
    assert '"users_user"."password"' not in sql and '"users_user"."email"' not in sql
    assert {"password", "email", "time_zone"} <= comments[0].author.get_deferred_fields()


def test_the_mention_hints_read_username_and_display_name_only(team_a):
    _, manager, (rep, other) = team_a
    with CaptureQueriesContext(connection) as captured:
        hints = mention_hint_users(user=manager, limit=12)
        shown = [(person.username, person.display_name) for person in hints]
    assert len(captured) == 1
    assert shown == sorted((person.username, person.display_name) for person in (rep, other))
    assert '"users_user"."password"' not in captured.captured_queries[0]["sql"]
    assert "password" in hints[0].get_deferred_fields()
