"""The header's language switcher: saves the choice on the user and in the language cookie."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_POST

from totonou.core.request import safe_next
from totonou.users.models import User
from totonou.users.services import user_update_preferences
from totonou.web.forms.preferences import LanguageForm


def set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@login_not_required  # the sign-in page has the switcher too
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text())
    language: str = form.cleaned_data["language"]
    user = request.user
    if isinstance(user, User) and user.is_authenticated:
        user_update_preferences(actor=user, user=user, language=language)
    translation.activate(language)
    response = redirect(safe_next(request, reverse("web:home")))
    set_language_cookie(response, language)
    return response
