"""Chat markup injection (issue 19, item 6): a comment written to mention everyone, forge a block and dress
up a link arrives as plain words on every platform. The exact hostile body from the issue goes through
the real outbox to the local receivers, and each test asserts the whole payload the receiver got."""

from __future__ import annotations

import pytest

from tests.notifications.helpers import make_channel, plan_visit, pump_all
from totonou.activities.services import comment_create
from totonou.integrations.services import channel_create

pytestmark = pytest.mark.django_db

HOSTILE = (
    "<users/all> [toall] [info][title]fake[/title]x[/info] <https://evil.example|Open in Totonou> <!channel>"
)


def _comment(team_a, **rep_fields):
    _team, manager, (rep, _other) = team_a
    for name, value in rep_fields.items():
        setattr(rep, name, value)
    if rep_fields:
        rep.save(update_fields=list(rep_fields))
    activity = plan_visit(rep)
    comment = comment_create(actor=manager, activity=activity, body=HOSTILE)
    assert pump_all() == 1
    title = f"{manager.display_name} commented on ★ 株式会社サンプル 定例訪問"
    return title, f"http://127.0.0.1:8000{comment.get_absolute_url()}"


def test_slack_escapes_the_blocks_and_the_fallback_text(team_a, receiver):
    make_channel(team_a[1], receiver.url, events=["comment.created"], language="en")
    title, link = _comment(team_a)
    escaped = (
        "&lt;users/all&gt; [toall] [info][title]fake[/title]x[/info] "
        "&lt;https://evil.example|Open in Totonou&gt; &lt;!channel&gt;"
    )
    assert receiver.requests[0].json() == {
        "text": f"{title}\n{escaped}\n{link}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n{escaped}"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{link}|Open in Totonou>"}]},
        ],
    }


def test_google_chat_neutralises_mentions_and_links(team_a, receiver):
    make_channel(team_a[1], receiver.url, kind="google_chat", events=["comment.created"], language="en")
    title, link = _comment(team_a)
    assert receiver.requests[0].json() == {
        "text": f"*{title}*\n"
        "＜users/all＞ [toall] [info][title]fake[/title]x[/info] "
        "＜https://evil.example|Open in Totonou＞ ＜!channel＞\n"
        f"<{link}|Open in Totonou>"
    }


def test_chatwork_neutralises_every_tag(team_a, receiver, settings):
    settings.TOTONOU_CHATWORK_API_BASE = f"{receiver.url}/v2"
    channel_create(
        actor=team_a[1],
        name="営業部",
        kind="chatwork",
        room_id="987",
        token="cw-token",
        events=["comment.created"],
        language="en",
    )
    title, link = _comment(team_a)
    request = receiver.requests[0]
    assert request.path == "/v2/rooms/987/messages"
    assert request.form() == {
        "body": [
            f"[info][title]{title}[/title]"
            "<users/all> ［toall］ ［info］［title］fake［/title］x［/info］ "
            "<https://evil.example|Open in Totonou> <!channel>\n"
            f"{link}[/info]"
        ],
        "self_unread": ["0"],
    }


def test_teams_neutralises_markdown_links(team_a, receiver):
    make_channel(team_a[1], receiver.url, kind="teams", events=["comment.created"], language="en")
    title, link = _comment(team_a)
    assert receiver.requests[0].json() == {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": title,
                            "weight": "Bolder",
                            "size": "Medium",
                            "wrap": True,
                        },
                        {
                            "type": "TextBlock",
                            "text": "<users/all> ［toall］ ［info］［title］fake［/title］x［/info］ "
                            "<https://evil.example|Open in Totonou> <!channel>",
                            "wrap": True,
                        },
                    ],
                    "actions": [{"type": "Action.OpenUrl", "title": "Open in Totonou", "url": link}],
                },
            }
        ],
    }


def test_hostile_names_and_chat_ids_are_plain_words_too(team_a, receiver, settings):
    """A person's name is text a person wrote, and a chat id that is not one is not written as a mention."""
    settings.TOTONOU_CHATWORK_API_BASE = f"{receiver.url}/v2"
    _team, manager, (rep, _other) = team_a
    manager.display_name = "<!here> [toall]"
    manager.save(update_fields=["display_name"])
    rep.slack_user_id = "U1>|<!channel"
    rep.chatwork_account_id = "1][toall"
    rep.save(update_fields=["slack_user_id", "chatwork_account_id"])
    make_channel(manager, receiver.url, events=["comment.created"], language="en")
    channel_create(
        actor=manager,
        name="cw",
        kind="chatwork",
        room_id="1",
        token="t",
        events=["comment.created"],
        language="en",
    )
    activity = plan_visit(rep)
    comment = comment_create(actor=manager, activity=activity, body=f"@{rep.username} ok")
    assert pump_all() == 2
    link = f"http://127.0.0.1:8000{comment.get_absolute_url()}"
    by_path = {request.path: request for request in receiver.requests}
    assert by_path["/"].json()["blocks"] == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*&lt;!here&gt; [toall] commented on ★ 株式会社サンプル 定例訪問*\n"
                f"@{rep.username} ok",
            },
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{link}|Open in Totonou>"}]},
    ]
    assert by_path["/v2/rooms/1/messages"].form()["body"] == [
        "[info][title]<!here> ［toall］ commented on ★ 株式会社サンプル 定例訪問[/title]"
        f"@{rep.username} ok\n{link}[/info]"
    ]
