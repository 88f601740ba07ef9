"""The conversation around activities, from the feed and the activity and deal pages: comments with
@mentions, reactions (いいね), the manager's review, and the list of the user's mentions.

Each action is a plain POST that redirects back (``next``) without JavaScript; for htmx it answers
with the fragment it changed. htmx swaps only 2xx answers, so a comment with errors comes back as
200 with the errors next to the field (400 for the plain form)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from totonou.activities import services
from totonou.activities.filters import CommentFilter
from totonou.activities.models import Activity, Reaction
from totonou.activities.selectors import (
    activity_conversation_list,
    comment_list,
    mention_list,
    reaction_count,
)
from totonou.core.bounds import COMMENT_MAX_LENGTH
from totonou.core.htmx import is_htmx
from totonou.core.request import safe_next
from totonou.deals.models import Deal
from totonou.deals.selectors import deal_list
from totonou.users.models import User
from totonou.users.request import signed_in_user

MENTIONS_PAGE_SIZE = 25

# The id prefix of one comment box (the feed shows one per item): letters, digits and dashes.
BOX = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


class CommentForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea,
        error_messages={"required": gettext_lazy("Write a comment.")},
    )


def _box(request: HttpRequest) -> str:
    """The posting box's id prefix ("page" on the activity and deal pages, "e<event id>" in the feed)."""
    value = request.POST.get("box", "")
    return value if BOX.match(value) else "page"


def _visible_activity(user: User, pk: int) -> Activity:
    return get_object_or_404(activity_conversation_list(user=user), pk=pk)


def _redirect_back(request: HttpRequest, fallback: str, anchor: str = "") -> HttpResponse:
    target = safe_next(request, fallback).split("#", 1)[0]
    return redirect(f"{target}#{anchor}" if anchor else target)


# --- Comments ---------------------------------------------------------------------------------------


def _comment_box(
    request: HttpRequest,
    user: User,
    *,
    activity: Activity | None,
    deal: Deal | None,
    form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The comment box (thread and form) of one activity or deal, as the page that posted shows it."""
    filters = CommentFilter(activity=activity.pk if activity else None, deal=deal.pk if deal else None)
    target: Any = activity or deal
    context = {
        "activity": activity,
        "deal": deal,
        "comments": comment_list(user=user, filters=filters),
        "box": _box(request),
        "in_feed": request.POST.get("in_feed") == "1",
        "comment_form": form,
        "next_url": safe_next(request, target.get_absolute_url()),
    }
    if is_htmx(request):
        return render(request, "activities/_feed_comments.html", context)
    return render(request, "activities/comment_form.html", context, status=status)


def _post_comment(
    request: HttpRequest, user: User, *, activity: Activity | None = None, deal: Deal | None = None
) -> HttpResponse:
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_create(
                actor=user, body=form.cleaned_data["body"], activity=activity, deal=deal
            )
        except ValidationError as error:
            form.add_error(None, error)  # the service's errors by field ("body") or for the whole form
        else:
            if is_htmx(request):
                return _comment_box(request, user, activity=activity, deal=deal)
            messages.success(request, _("Your comment is posted."))
            return _redirect_back(request, comment.get_absolute_url(), f"comment-{comment.pk}")
    return _comment_box(request, user, activity=activity, deal=deal, form=form, status=400)


@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Comment on an activity; ``@username`` mentions the user (an unread badge until they look)."""
    user = signed_in_user(request)
    return _post_comment(request, user, activity=_visible_activity(user, pk))


@require_POST
def deal_comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    deal = get_object_or_404(deal_list(user=user), pk=pk)
    return _post_comment(request, user, deal=deal)


@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """The author or an administrator deletes a comment (403 for anyone else); htmx removes its line."""
    user = signed_in_user(request)
    comment = get_object_or_404(comment_list(user=user).prefetch_related(None), pk=pk)
    fallback = comment.get_absolute_url().split("#", 1)[0]
    services.comment_delete(actor=user, comment=comment)
    if is_htmx(request):
        return HttpResponse("")
    messages.success(request, _("The comment is deleted."))
    return _redirect_back(request, fallback)


# --- Reactions and review ---------------------------------------------------------------------------


@require_POST
def reaction_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a reaction (いいね), or take it back."""
    user = signed_in_user(request)
    activity = _visible_activity(user, pk)
    kind = request.POST.get("kind") or Reaction.Kind.LIKE.value
    if kind not in Reaction.Kind.values:
        return HttpResponseBadRequest()
    reacted = services.reaction_toggle(actor=user, activity=activity, kind=kind)
    if is_htmx(request):
        like = {"count": reaction_count(activity=activity, kind=kind), "reacted": reacted}
        context = {"activity": activity, "like": like, "next_url": safe_next(request, "")}
        return render(request, "activities/_feed_reaction.html", context)
    return _redirect_back(request, activity.get_absolute_url())


@require_POST
def activity_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager of the owner's team (or an admin) marks the activity reviewed; anyone else gets 403."""
    user = signed_in_user(request)
    activity = services.activity_mark_reviewed(actor=user, activity=_visible_activity(user, pk))
    if is_htmx(request):
        context = {"activity": activity, "next_url": safe_next(request, "")}
        return render(request, "activities/_feed_review.html", context)
    messages.success(request, _("Marked as reviewed."))
    return _redirect_back(request, activity.get_absolute_url())


# --- Mentions ---------------------------------------------------------------------------------------


@require_GET
def mentions(request: HttpRequest) -> HttpResponse:
    """The user's mentions, newest first. Opening the list marks the mentions it shows read; they are
    still highlighted this once, so the reader sees which ones are new."""
    user = signed_in_user(request)
    queryset = mention_list(user=user).select_related(
        "comment__activity__customer", "comment__activity__type", "comment__deal"
    )
    page = Paginator(queryset, MENTIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    unread = [mention.comment_id for mention in shown if mention.read_at is None]
    if unread:
        services.mentions_mark_read(user=user, comment_ids=unread)
    context = {"page": page, "mentions": shown, "newly_read": len(unread)}
    return render(request, "activities/mentions.html", context)


@require_POST
def mentions_mark_read(request: HttpRequest) -> HttpResponse:
    """Mark all of the user's mentions read."""
    user = signed_in_user(request)
    count = services.mentions_mark_read(user=user)
    if count:
        messages.success(request, _("All mentions are marked read."))
    return redirect("activities:mentions")
