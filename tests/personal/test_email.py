"""Email through the outbox, against a real SMTP server (aiosmtpd) started by each test: a mention makes
exactly one mail, in the recipient's language, sent by the worker after the commit; a rolled-back
comment sends nothing; a server that is down and comes back gets the mail once; a refused address is
recorded, retried, given up and shown; the password reset mail takes the same way."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import send_mail
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.factories import ActivityFactory, CustomerFactory, UserFactory
from tests.personal.smtp import SmtpServer, free_port
from totonou.activities import services
from totonou.notifications.mail import emails_pump
from totonou.notifications.management.commands.worker import pump_once
from totonou.notifications.models import Notification, NotificationSettings, OutboundEmail
from totonou.notifications.personal import digests_send
from totonou.users.models import User


def people():
    author = UserFactory(username="tanaka", display_name="Tanaka", email="tanaka@example.com", language="en")
    hanako = UserFactory(
        username="hanako",
        display_name="花子",
        email="hanako@example.com",
        language="ja",
        time_zone="Asia/Tokyo",
    )
    customer = CustomerFactory(owner=author, name="Key Mart", is_key=True, address="東京都港区1-2-3")
    activity = ActivityFactory(owner=author, customer=customer, subject="Fair")
    return author, hanako, activity


def parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


@pytest.mark.django_db(transaction=True)
def test_a_mention_sends_exactly_one_mail_in_the_recipients_language_after_commit(
    transactional_reference_data, mail_settings, smtp_server
):
    author, hanako, activity = people()
    with transaction.atomic():
        comment = services.comment_create(actor=author, body="Please check @hanako", activity=activity)
        assert OutboundEmail.objects.count() == 1  # written in the comment's transaction
        assert smtp_server.received == []  # nothing leaves before the commit and the worker
    assert smtp_server.received == []

    assert pump_once("worker-1", schedule=False) == 1
    assert pump_once("worker-1", schedule=False) == 0  # nothing sent twice

    (mail,) = smtp_server.received
    assert mail.rcpt_tos == ["hanako@example.com"]
    assert mail.mail_from == "noreply@totonou.test"
    subject = str(mail.message["Subject"]).strip()  # a long encoded subject is folded
    assert subject.startswith("[Totonou] Tanakaさんからメンション: Key Mart · 訪問 · ")
    assert subject.endswith(" · Fair")
    text, html = parts(mail.message)
    link = f"https://totonou.example.com/activities/{activity.pk}/#comment-{comment.pk}"
    preferences = "https://totonou.example.com/settings/notifications/"
    assert "Please check @hanako" in text
    assert f"Totonouで開く: {link}" in text
    assert preferences in text and "このメールは通知設定に基づいて送信されています。" in text
    assert f'href="{link}"' in html and f'href="{preferences}"' in html
    assert str(mail.message["List-Unsubscribe"]) == f"<{preferences}>"
    row = OutboundEmail.objects.get()
    assert (row.status, row.attempt_count, row.recipients) == ("sent", 1, ["hanako@example.com"])
    assert str(mail.message["Message-ID"]) == row.message_id
    bell = Notification.objects.get()
    assert (bell.recipient, bell.kind, bell.in_app, bell.read_at) == (hanako, "mention", True, None)


@pytest.mark.django_db
def test_a_rolled_back_comment_sends_nothing(mail_settings, smtp_server):
    author, _hanako, activity = people()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.comment_create(actor=author, body="Please check @hanako", activity=activity)
        raise RuntimeError("the request failed after the comment")
    assert emails_pump(worker_id="w") == 0
    assert OutboundEmail.objects.count() == Notification.objects.count() == 0
    assert smtp_server.received == []


@pytest.mark.django_db
def test_the_smtp_server_down_then_up_delivers_the_mail_once(mail_settings):
    port = free_port()
    mail_settings.EMAIL_PORT = port
    author, _hanako, activity = people()
    services.comment_create(actor=author, body="@hanako see this", activity=activity)

    assert emails_pump(worker_id="w") == 1  # connection refused: recorded, due again
    row = OutboundEmail.objects.get()
    assert (row.status, row.attempt_count) == ("pending", 1)
    assert "ConnectionRefusedError" in row.last_error

    server = SmtpServer(port).start()
    try:
        assert emails_pump(worker_id="w") == 1
        assert emails_pump(worker_id="w") == 0
        assert len(server.received) == 1
        assert server.received[0].rcpt_tos == ["hanako@example.com"]
    finally:
        server.stop()
    row.refresh_from_db()
    assert (row.status, row.attempt_count, row.last_error) == ("sent", 2, "")


@pytest.mark.django_db
def test_an_address_the_server_refuses_is_recorded_retried_then_given_up_and_shown(
    mail_settings, smtp_server, client, admin_user
):
    author, hanako, activity = people()
    User.objects.filter(pk=hanako.pk).update(email="bounce-hanako@example.com")
    hanako.refresh_from_db()
    services.comment_create(actor=author, body="@hanako see this", activity=activity)

    for attempt in (1, 2):
        assert emails_pump(worker_id="w") == 1
        row = OutboundEmail.objects.get()
        assert (row.status, row.attempt_count) == ("pending", attempt)
        assert row.last_error.startswith("SMTP refused bounce-hanako@example.com: 550 5.1.1")
    assert emails_pump(worker_id="w") == 1
    row.refresh_from_db()
    assert (row.status, row.attempt_count) == ("dead", 3)
    assert emails_pump(worker_id="w") == 0
    assert smtp_server.received == []

    client.force_login(admin_user)
    html = client.get(reverse("notifications:email_list") + "?status=dead").content.decode()
    assert "bounce-hanako@example.com" in html and "User unknown" in html
    assert reverse("notifications:email_retry", args=[row.pk]) in html

    # an administrator sends it again once the address is fixed at the server: attempts continue
    response = client.post(reverse("notifications:email_retry", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempt_limit) == ("pending", 6)


@pytest.mark.django_db
def test_the_email_list_is_for_administrators_only(client, team_a):
    _team, manager, (rep, _other) = team_a
    for user in (rep, manager):
        client.force_login(user)
        assert client.get(reverse("notifications:email_list")).status_code == 403


@pytest.mark.django_db
@pytest.mark.urls("tests.personal.urls")
def test_the_password_reset_mail_goes_through_the_outbox(mail_settings, smtp_server):
    user = UserFactory(username="sato", email="sato@example.com", language="en")
    request = RequestFactory().post("/accounts/password_reset/")
    form = PasswordResetForm({"email": user.email})
    assert form.is_valid()
    form.save(request=request, domain_override="totonou.example.com")
    assert smtp_server.received == []
    assert OutboundEmail.objects.get().recipients == ["sato@example.com"]

    assert emails_pump(worker_id="w") == 1
    (mail,) = smtp_server.received
    assert mail.rcpt_tos == ["sato@example.com"]
    assert "totonou.example.com" in mail.message.get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_any_send_mail_is_one_outbox_row_with_text_and_html(mail_settings, smtp_server):
    assert send_mail("Hello", "Plain words", None, ["a@example.com"], html_message="<p>Words</p>") == 1
    assert emails_pump(worker_id="w") == 1
    text, html = parts(smtp_server.received[0].message)
    assert (text.strip(), html.strip()) == ("Plain words", "<p>Words</p>")


@pytest.mark.django_db
def test_preferences_decide_bell_mail_both_or_nothing(mail_settings, smtp_server):
    from totonou.notifications.personal import preferences_update

    author, hanako, activity = people()
    preferences_update(user=hanako, channels={"mention": "in_app"})
    services.comment_create(actor=author, body="@hanako one", activity=activity)
    assert (Notification.objects.count(), OutboundEmail.objects.count()) == (1, 0)

    preferences_update(user=hanako, channels={"mention": "email"})
    services.comment_create(actor=author, body="@hanako two", activity=activity)
    assert OutboundEmail.objects.count() == 1
    assert Notification.objects.filter(in_app=True).count() == 1  # the email-only one is not in the bell

    preferences_update(user=hanako, channels={"mention": "none"})
    services.comment_create(actor=author, body="@hanako three", activity=activity)
    assert (Notification.objects.count(), OutboundEmail.objects.count()) == (2, 1)


@pytest.mark.django_db
def test_a_mention_of_a_deactivated_user_makes_no_notification(mail_settings, smtp_server):
    author, hanako, activity = people()
    User.objects.filter(pk=hanako.pk).update(is_active=False)
    services.comment_create(actor=author, body="@hanako are you there?", activity=activity)
    assert (Notification.objects.count(), OutboundEmail.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_quiet_hours_hold_the_mail_until_they_end(mail_settings, smtp_server):
    author, hanako, activity = people()
    now = timezone.now().astimezone(datetime.timezone(datetime.timedelta(hours=9)))
    start = (now - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + datetime.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    NotificationSettings.objects.create(user=hanako, quiet_start=start, quiet_end=end)
    services.comment_create(actor=author, body="@hanako late", activity=activity)

    row = OutboundEmail.objects.get()
    expected = datetime.datetime.combine(
        (now + datetime.timedelta(hours=2)).date(), end, tzinfo=datetime.timezone(datetime.timedelta(hours=9))
    )
    assert row.next_attempt_at == expected
    assert emails_pump(worker_id="w") == 0  # not due yet
    assert smtp_server.received == []


@pytest.mark.django_db
def test_the_daily_digest_replaces_single_mails_and_comes_once(mail_settings, smtp_server):
    author, hanako, activity = people()
    NotificationSettings.objects.create(user=hanako, digest=True, digest_time=datetime.time(8, 0))
    services.comment_create(actor=author, body="@hanako first", activity=activity)
    services.comment_create(actor=author, body="@hanako second", activity=activity)
    assert OutboundEmail.objects.count() == 0
    assert Notification.objects.filter(digest_pending=True).count() == 2

    zone = datetime.timezone(datetime.timedelta(hours=9))
    morning = datetime.datetime.combine(timezone.now().astimezone(zone).date(), datetime.time(7, 59), zone)
    assert digests_send(now=morning) == 0  # before the digest time
    assert digests_send(now=morning + datetime.timedelta(minutes=1)) == 1
    assert digests_send(now=morning + datetime.timedelta(minutes=30)) == 0  # once a day
    assert Notification.objects.filter(digest_pending=True).count() == 0

    assert emails_pump(worker_id="w") == 1
    (mail,) = smtp_server.received
    assert str(mail.message["Subject"]).strip() == "[Totonou] 本日の通知(2件)"
    text, _html = parts(mail.message)
    assert text.count("Tanakaさんからメンション") == 2


@pytest.mark.django_db(transaction=True)
def test_totonou_worker_batch_sends_the_mails_that_are_due(
    transactional_reference_data, mail_settings, smtp_server
):
    from django.core.management import call_command

    author, _hanako, activity = people()
    services.comment_create(actor=author, body="@hanako from the worker", activity=activity)
    call_command("worker", batch=True, startup_delay=False, verbosity=0)
    call_command("worker", batch=True, startup_delay=False, verbosity=0)
    assert [mail.rcpt_tos for mail in smtp_server.received] == [["hanako@example.com"]]
    assert OutboundEmail.objects.get().status == "sent"
