"""The page layout's header, written in Python: every page draws it (ADR 0032).

As a template, the header (brand, search, the notification bell, the language switcher, the account
menu and the main navigation: ~20 ``{% url %}``, ~40 ``{% translate %}``, three includes) cost about
2 ms of every page's ~4 ms floor. Here its words and links are made once per language and script
prefix, and a request only fills in what changes: the current page, the bell's count, the user's name,
the search words, the CSRF token and the path the language switcher returns to. Every value is escaped
where it is inserted; ``tests/web/test_layout.py`` holds the markup.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.middleware.csrf import get_token
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_noop, ngettext

from totonou.users.permissions import is_signed_in

#: The main navigation: (URL name, icon, label, the views it is current on; ``"x:"`` = a namespace).
NAV: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("web:home", "☀", gettext_noop("My day"), ("web:home",)),
    ("activities:calendar", "▦", gettext_noop("Calendar"), ("activities:calendar",)),
    (
        "activities:feed",
        "☰",
        gettext_noop("Feed"),
        ("activities:feed", "activities:activity_detail", "activities:activity_edit"),
    ),
    ("customers:customer_list", "◫", gettext_noop("Customers"), ("customers:",)),
    ("deals:deal_list", "◆", gettext_noop("Deals"), ("deals:",)),
    ("pipeline:board", "▥", gettext_noop("Pipeline"), ("pipeline:",)),
    (
        "web:insights",
        "▤",
        gettext_noop("Insights"),
        ("web:insights", "web:insights_uncontacted", "web:insights_pipeline"),
    ),
    ("targets:index", "◎", gettext_noop("Targets"), ("targets:",)),
    ("reports:my_week", "✎", gettext_noop("Weekly report"), ("reports:",)),
    ("web:settings", "⚙", gettext_noop("Settings"), ("web:settings", "setup:")),
)

#: The navigation's tabs a phone shows; the others are under "More".
PHONE_TABS = 5

#: The bell sent alone, swapped into the header out of band.
OOB = ' hx-swap-oob="true"'


def is_current(match: Any, names: tuple[str, ...] | list[str]) -> bool:
    """Whether the resolved view is one of ``names`` (``"customers:"`` = every view of a namespace)."""
    if match is None:
        return False
    return any(
        (name.endswith(":") and match.namespace == name[:-1]) or match.view_name == name for name in names
    )


def _current(match: Any, names: tuple[str, ...] | list[str]) -> str:
    return ' aria-current="page"' if is_current(match, names) else ""


@cache
def _words(language: str | None, prefix: str) -> dict[str, Any]:
    """The header's words and links in one language (``language`` and ``prefix`` are the cache key:
    gettext and reverse read the active ones)."""
    return {
        "home": escape(reverse("web:home")),
        "search": escape(reverse("search:search")),
        "notifications": escape(reverse("web:notifications")),
        "settings": escape(reverse("web:settings")),
        "logout": escape(reverse("logout")),
        "set_language": escape(reverse("web:set_language")),
        "nav": [
            (escape(reverse(name)), icon, escape(gettext(label)), names) for name, icon, label, names in NAV
        ],
        "t_search": escape(gettext("Search")),
        "t_placeholder": escape(gettext("Search activities, customers, deals…")),
        "t_notifications": escape(gettext("Notifications")),
        "t_language": escape(gettext("Language")),
        "t_signed_in_as": escape(gettext("Signed in as")),
        "t_settings": escape(gettext("Settings")),
        "t_sign_out": escape(gettext("Sign out")),
        "t_main": escape(gettext("Main")),
        "t_more": escape(gettext("More")),
    }


def _language_code() -> str:
    return get_language() or ""


def notification_bell(request: Any, unread: int, *, oob: bool = False) -> SafeString:
    """The header's bell: a link to the notification centre with the unread count (99+ above 99).
    Also sent alone (``oob``) to update the header after notifications are marked read."""
    words = _words(get_language(), get_script_prefix())
    match = getattr(request, "resolver_match", None)
    if unread:
        label = escape(
            ngettext("Notifications: %(counter)s unread", "Notifications: %(counter)s unread", unread)
            % {"counter": unread}
        )
        count = "99+" if unread > 99 else str(unread)
        badge = f'<span class="mentions-badge__count" data-counter aria-hidden="true">{count}</span>'
    else:
        label, badge = words["t_notifications"], ""
    return mark_safe(  # noqa: S308 — every value is escaped above
        f'<a id="notification-bell" class="mentions-badge notification-bell{" has-unread" if unread else ""}"'
        f' href="{words["notifications"]}"{_current(match, ("web:notifications",))}'
        f'{OOB if oob else ""}\n   aria-label="{label}">\n  '
        '<svg class="notification-bell__icon" aria-hidden="true" focusable="false" width="16" height="16"'
        ' viewBox="0 0 16 16"><path fill="currentColor" d="M8 16a2 2 0 0 0 2-2H6a2 2 0 0 0 2 2Zm5-5V7a5 5 0 0'
        ' 0-4-4.9V1a1 1 0 1 0-2 0v1.1A5 5 0 0 0 3 7v4l-1.5 1.5V13h13v-.5Z"/></svg>'
        f"{badge}\n</a>\n"
    )


def _csrf_input(token: str) -> str:
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'


def site_header(context: Any) -> SafeString:
    """The ``<header>`` of every page (``{% site_header %}`` in ``base.html``)."""
    request = context.get("request")
    user = context.get("user")
    signed_in = is_signed_in(user)
    language = _language_code()
    words = _words(get_language(), get_script_prefix())
    match = getattr(request, "resolver_match", None)
    token = _csrf_input(get_token(request)) if request is not None else ""
    parts = [
        '<header class="site-header">\n    <div class="site-header__bar">\n      '
        f'<a class="brand" href="{words["home"]}">Totonou <span class="brand__ja" lang="ja"'
        ' aria-hidden="true">整う</span></a>\n'
    ]
    if signed_in:
        query = ""
        if match is not None and match.view_name == "search:search":
            query = escape(request.GET.get("q", ""))
        parts.append(
            f'      <form class="site-search" method="get" action="{words["search"]}" role="search">\n'
            f'        <label for="site-search-q" class="visually-hidden">{words["t_search"]}</label>\n'
            f'        <input type="search" id="site-search-q" name="q" value="{query}" maxlength="100"'
            f' placeholder="{words["t_placeholder"]}" autocomplete="off">\n'
            f'        <button type="submit" class="button button--quiet button--small">{words["t_search"]}'
            "</button>\n      </form>\n"
        )
    parts.append('      <div class="account">\n')
    if signed_in:
        unread = context.get("notification_unread_count")
        parts.append(notification_bell(request, unread() if callable(unread) else int(unread or 0)))
    next_path = escape(request.get_full_path()) if request is not None else ""
    pressed = {code: "true" if language == code else "false" for code in ("ja", "en")}
    parts.append(
        f'<form class="language-switcher" method="post" action="{words["set_language"]}">\n  {token}\n'
        f'  <input type="hidden" name="next" value="{next_path}">\n'
        f'  <div class="segmented" role="group" aria-label="{words["t_language"]}">\n'
        '    <button type="submit" name="language" value="ja" lang="ja"'
        f' aria-pressed="{pressed["ja"]}">日本語</button>\n'
        '    <button type="submit" name="language" value="en" lang="en"'
        f' aria-pressed="{pressed["en"]}">English</button>\n  </div>\n</form>\n'
    )
    if signed_in:
        parts.append(
            '        <details class="account-menu">\n          <summary class="account-menu__toggle">'
            f'<span class="visually-hidden">{words["t_signed_in_as"]} </span><span class="account__name">'
            f"{conditional_escape(user)}</span>"
            '<span class="account-menu__caret" aria-hidden="true">▾</span></summary>\n'
            '          <div class="account-menu__panel">\n'
            f'            <a href="{words["settings"]}">{words["t_settings"]}</a>\n'
            f'            <form method="post" action="{words["logout"]}" class="account__signout">\n'
            f"              {token}\n"
            '              <button type="submit" class="button button--quiet button--small">'
            f"{words['t_sign_out']}</button>\n            </form>\n          </div>\n        </details>\n"
        )
    parts.append("      </div>\n    </div>\n")
    if signed_in:
        parts.append(f'      <nav class="main-nav" aria-label="{words["t_main"]}">\n        <ul>\n')
        links = [
            (
                f'<a href="{href}"{_current(match, names)}>'
                f'<span class="nav-icon" aria-hidden="true">{icon}</span>{label}</a>'
            )
            for href, icon, label, names in words["nav"]
        ]
        for index, link in enumerate(links):
            extra = ' class="main-nav__extra"' if index >= PHONE_TABS else ""
            parts.append(f"          <li{extra}>{link}</li>\n")
        # On a phone the first tabs stay and the rest move into "More" (app.css shows one or the other).
        more_names = [name for *_, names in NAV[PHONE_TABS:] for name in names]
        parts.append(
            '\n          <li class="main-nav__more">\n            <details class="nav-more">\n'
            f'              <summary class="nav-more__toggle"{_current(match, more_names)}>'
            f'<span class="nav-icon" aria-hidden="true">⋯</span>{words["t_more"]}</summary>\n'
            '              <div class="nav-more__panel">\n'
        )
        parts.extend(f"              {link}\n" for link in links[PHONE_TABS:])
        parts.append("              </div>\n            </details>\n          </li>\n")
        parts.append("        </ul>\n      </nav>\n")
    parts.append("  </header>")
    return mark_safe("".join(parts))  # noqa: S308 — every value is escaped where it is inserted
