"""The Content-Security-Policy (django-csp, issue 19 item 8): every answer carries it, and no template or
Python-written markup needs what it forbids (inline scripts, event-handler attributes, ``hx-on``,
``<style>`` elements, ``javascript:`` links). ``tests/browser/test_csp.py`` proves in Chromium that the
pages report no violation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from csp.decorators import csp, csp_exempt, csp_replace, csp_update
from csp.exceptions import CSPNonceError
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
SRC = Path(__file__).resolve().parents[2] / "src" / "totonou"


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


def test_pages_api_and_errors_carry_the_policy():
    user = UserFactory(username="sato")
    anonymous = Client()
    signed_in = Client()
    signed_in.force_login(user)
    answers = {
        "sign-in page": anonymous.get("/accounts/login/"),
        "a page": signed_in.get("/"),
        "an htmx fragment": signed_in.get(
            "/feed/", headers={"HX-Request": "true", "HX-Target": "feed-results"}
        ),
        "a 404 page": signed_in.get("/no-such-page/"),
        "the API": signed_in.get("/api/v1/users"),
        "the API docs": signed_in.get("/api/v1/docs"),
        "the admin sign-in": anonymous.get("/admin/login/"),
    }
    for name, response in answers.items():
        assert response.status_code in {200, 404}, name
        assert policy_of(response) == POLICY, name
        assert "Content-Security-Policy-Report-Only" not in response, name


def test_htmx_runs_without_eval_and_without_injected_styles():
    client = Client()
    client.force_login(UserFactory(username="sato"))
    html = client.get("/").content.decode()
    assert (
        """<meta name="htmx-config" content='{"allowEval": false, "includeIndicatorStyles": false}'>"""
        in html
    )
    assert html.index('name="htmx-config"') < html.index("htmx-2.min.js")
    assert '<script src="/static/totonou/actions.js" defer></script>' in html


def _markup_files() -> list[Path]:
    templates = [path for path in SRC.rglob("templates/**/*.html") if "/email/" not in str(path)]
    # markup written in Python: the activity card, template tags (web), the form renderer (core)
    python = [*(SRC / "web").rglob("*.py"), *(SRC / "core").rglob("*.py")]
    return templates + python


#: What the policy blocks: an inline script (a <script> without src), an inline event handler, htmx's
#: hx-on (it needs eval), a <style> element, a javascript: URL.
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(?!\s*</script>)", re.I),
    "event handler attribute": re.compile(r"""<[a-z][^>]*\son[a-z]+\s*=\s*["']""", re.I),
    "hx-on": re.compile(r"\bhx-on[:-]", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
    "javascript: URL": re.compile(r"""=\s*["']\s*javascript:""", re.I),
}


def test_no_markup_needs_what_the_policy_forbids():
    found = [
        f"{path.relative_to(SRC)}: {name}"
        for path in _markup_files()
        for name, pattern in FORBIDDEN.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert len(_markup_files()) > 100  # the walk found the templates
    assert not found, found


@pytest.mark.parametrize(
    ("markup", "name"),
    [
        ("<script>alert(1)</script>", "inline script"),
        ('<script type="module">x()</script>', "inline script"),
        ('<button onclick="x()">', "event handler attribute"),
        ("<input class=a onfocus='x()'>", "event handler attribute"),
        ('<div hx-on:click="x()">', "hx-on"),
        ("<style>.a{}</style>", "style element"),
        ('<a href="javascript:x()">', "javascript: URL"),
    ],
)
def test_the_scan_finds_each_forbidden_kind(markup, name):
    assert FORBIDDEN[name].search(markup)
    assert not FORBIDDEN[name].search('<script src="/static/totonou/actions.js" defer></script><a href="/x">')


def test_the_pack_prints_with_its_own_stylesheet(settings):
    pack_css = Path(finders.find("totonou/pack.css")).read_text()
    assert "@media print" in pack_css and "size: A4 landscape" in pack_css


def test_the_settings_title_is_only_text():
    """A <script> tag stood inside the settings page's <title> (shown as text in the tab)."""
    client = Client()
    client.force_login(UserFactory(username="sato"))
    html = client.get("/settings/").content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "<" not in title and "script" not in title


# --- The policy written once (core.middleware.ContentSecurityPolicyMiddleware) ----------------------


def _both(rf, response_for, path="/feed/", **request_attributes):
    """The answer of django-csp's middleware and of ours to the same request and response."""
    from csp.middleware import CSPMiddleware

    from totonou.core.middleware import ContentSecurityPolicyMiddleware

    answers = []
    for middleware_class in (CSPMiddleware, ContentSecurityPolicyMiddleware):
        request = rf.get(path)
        for name, value in request_attributes.items():
            setattr(request, name, value)
        middleware = middleware_class(lambda request: response_for(request))
        answers.append((request, middleware(request)))
    return answers


def _plain(request):
    return HttpResponse("<p>ok</p>")


def test_the_kept_policy_is_django_csps(rf):
    (_, theirs), (request, ours) = _both(rf, _plain)
    assert ours["Content-Security-Policy"] == theirs["Content-Security-Policy"]
    assert policy_of(ours) == POLICY
    with pytest.raises(CSPNonceError):  # a nonce asked for after the header is written
        str(request.csp_nonce)


@pytest.mark.parametrize(
    ("decorate", "expected"),
    [
        (
            csp_update({"img-src": ["https://maps.example"]}),
            ("main", "img-src 'self' data: https://maps.example"),
        ),
        (csp_replace({"img-src": ["https://maps.example"]}), ("main", "img-src https://maps.example")),
        (csp({"default-src": ["'none'"]}), ("main", "default-src 'none'")),
        (
            csp({"img-src": ["https://maps.example"]}, REPORT_ONLY=True),
            ("report-only", "https://maps.example"),
        ),
        (csp_exempt(), ("none", "")),
    ],
    ids=["update", "replace", "config", "report-only", "exempt"],
)
def test_a_response_with_a_policy_of_its_own_gets_django_csps(rf, decorate, expected):
    (_, theirs), (_, ours) = _both(rf, decorate(_plain))
    for header in ("Content-Security-Policy", "Content-Security-Policy-Report-Only"):
        assert ours.get(header) == theirs.get(header)
    which, fragment = expected
    if which == "main":
        assert (
            fragment in ours["Content-Security-Policy"]
            and ours["Content-Security-Policy"] != policy_of_setting()
        )
    elif which == "report-only":
        assert fragment in ours["Content-Security-Policy-Report-Only"]
    else:
        assert "Content-Security-Policy" not in ours


def policy_of_setting() -> str:
    from csp.utils import build_policy

    return build_policy()


def test_a_page_that_used_a_nonce_gets_it_in_its_policy(rf):
    from totonou.core.middleware import ContentSecurityPolicyMiddleware

    nonces = []

    def view(request):
        nonces.append(str(request.csp_nonce))
        return HttpResponse("<script nonce=x></script>")

    response = ContentSecurityPolicyMiddleware(view)(rf.get("/feed/"))
    assert nonces and f"'nonce-{nonces[0]}'" not in policy_of_setting()
    assert response["Content-Security-Policy"] == policy_of_setting()  # script-src has no NONCE: kept out


def test_a_changed_setting_writes_the_new_policy(rf, settings):
    from totonou.core.middleware import ContentSecurityPolicyMiddleware

    middleware = ContentSecurityPolicyMiddleware(_plain)
    assert policy_of(middleware(rf.get("/feed/"))) == POLICY
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'none'"]},
        "EXCLUDE_URL_PREFIXES": ["/x"],
    }
    assert middleware(rf.get("/feed/"))["Content-Security-Policy"] == policy_of_setting()
    assert "default-src 'none'" in policy_of_setting()
    assert "Content-Security-Policy" not in middleware(rf.get("/x/y"))  # an excluded prefix


def test_the_debug_pages_are_left_as_django_csp_leaves_them(rf, settings):
    settings.DEBUG = True
    (_, theirs), (_, ours) = _both(rf, lambda request: HttpResponse(status=404))
    assert "Content-Security-Policy" not in theirs and "Content-Security-Policy" not in ours
