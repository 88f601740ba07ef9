"""Totonou settings: one module, driven by the environment.

``TOTONOU_ENV=local`` (the default) is for a laptop: a secret key is generated into ``var/`` and the
app answers on localhost. ``TOTONOU_ENV=production`` refuses to start without ``SECRET_KEY`` and
``ALLOWED_HOSTS`` and turns on every transport-security setting ``check --deploy`` asks for.
"""

from __future__ import annotations

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TOTONOU_VAR_DIR", Path.cwd() / "var")).resolve()

TOTONOU_ENV = os.environ.get("TOTONOU_ENV", "local").strip().lower()
if TOTONOU_ENV not in {"local", "production"}:
    raise ImproperlyConfigured(f"TOTONOU_ENV must be 'local' or 'production', not {TOTONOU_ENV!r}.")
IS_PRODUCTION = TOTONOU_ENV == "production"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _local_secret_key() -> str:
    """A per-checkout secret, generated once into var/ so sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


if IS_PRODUCTION:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("Production needs SECRET_KEY (at least 50 characters) in the environment.")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Production needs ALLOWED_HOSTS (comma-separated) in the environment.")
    DEBUG = env_bool("TOTONOU_DEBUG", False)
else:
    SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or ["localhost", "127.0.0.1", "[::1]", "testserver"]
    DEBUG = env_bool("TOTONOU_DEBUG", False)

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
TOTONOU_BASE_URL = os.environ.get("TOTONOU_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "totonou.config.apps.TasksDatabaseConfig",  # django_tasks_db, with a translated name
    "ninja",
    "axes",  # sign-in throttling (see Security below)
    "csp",  # Content-Security-Policy (see Security below)
    "totonou.core",
    "totonou.users",
    "totonou.customers",
    "totonou.deals",
    "totonou.activities",
    "totonou.strategy",
    "totonou.targets",
    "totonou.portfolio",
    "totonou.search",
    "totonou.notifications",
    "totonou.integrations",
    "totonou.insights",
    "totonou.reports",
    "totonou.imports",
    "totonou.demo",
    "totonou.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "totonou.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "totonou.users.middleware.UserPreferencesMiddleware",
    "totonou.core.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into the sign-in page
]

# Inputs, textareas and selects are written in Python, the same markup as Django's widget templates.
FORM_RENDERER = "totonou.core.form_renderer.FastTemplates"

ROOT_URLCONF = "totonou.config.urls"
WSGI_APPLICATION = "totonou.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "totonou.web.context_processors.social",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
# SQLite by default: WAL so readers never block the writer, BEGIN IMMEDIATE so a write transaction
# takes the lock up front (no upgrade deadlocks), and a busy timeout so concurrent writers wait.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=30000;"
        "PRAGMA cache_size=-64000;"
        "PRAGMA temp_store=MEMORY;"
        "PRAGMA mmap_size=268435456;"
    ),
}

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "totonou.sqlite3")}
if _database["ENGINE"] == "django.db.backends.postgresql":
    # Django's, with a health check that needs no round trip (``core.backends.postgresql``).
    _database["ENGINE"] = "totonou.core.backends.postgresql"
    # The insight queries cross JIT's cost threshold and pay 100-200 ms to compile for a 10 ms query. No
    # parallel workers: a page's queries take milliseconds, and starting a worker cost 3-4 ms of them (the
    # customer-name search's count: 9.4 ms with one worker, 5 without); the app's own processes are what
    # runs requests side by side (docs/performance.md). Parameters stay bound on the client (Django's
    # default): with server-side binding psycopg prepares a query run five times, and PostgreSQL's generic
    # plans made the key-customer coverage 4x slower and rare-word search 1.5x (docs/performance.md).
    _database.setdefault("OPTIONS", {}).setdefault(
        "options", "-c jit=off -c max_parallel_workers_per_gather=0"
    )
# The hot reads compiled once per connection (``core.compiled``: the session, the user, the feed, record
# pages) run as prepared statements on PostgreSQL; the rest binds on the client. Turn it off (0) behind a
# pooler in transaction mode that cannot keep prepared statements (PgBouncer before 1.21).
TOTONOU_PREPARED_READS = os.environ.get("TOTONOU_PREPARED_READS", "1") != "0"
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["OPTIONS"] = {**SQLITE_OPTIONS, **_database.get("OPTIONS", {})}
    _database["CONN_MAX_AGE"] = 600  # connections are cheap to keep; opening one re-reads the schema
    _database["CONN_HEALTH_CHECKS"] = True
    _database["TEST"] = {"NAME": os.environ.get("TOTONOU_TEST_SQLITE_NAME") or None}
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"
# How long a set-password link (shown to an admin for a new user) or a reset link by email works.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(60 * 60 * 24 * 3)))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ---------------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "ja")
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["totonou.formats"]
# Fallbacks for locales without a format module; the ja and en modules accept 2026/04/01 too.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
]

# --- Cache ----------------------------------------------------------------------------------------------
# In each process's memory. What lives here is rebuilt on a miss (the calendar feed's events and built
# feeds, per-request helpers): nothing is lost when a process restarts. Django's default keeps only 300
# entries, fewer than the events of one busy rep's calendar feed (each VEVENT is cached, so a feed of
# 2,000 events rebuilt every event on every change): room for TOTONOU_CACHE_ENTRIES (default 50,000,
# about 30 MB per process with feed events of ~600 bytes).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "totonou",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("TOTONOU_CACHE_ENTRIES", "50000"))},
    }
}

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
WHITENOISE_AUTOREFRESH = not IS_PRODUCTION
if not IS_PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it; `collectstatic` fills it

# --- Background tasks (django-tasks, database backend) ----------------------------------------------
# The largest file an import accepts (bytes).
# The garbage collector's first-generation threshold for every process (web, worker, commands); 0 keeps
# Python's default (700). See docs/adr/0040-fewer-garbage-collections.md.
TOTONOU_GC_THRESHOLD = int(os.environ.get("TOTONOU_GC_THRESHOLD", "50000"))
TOTONOU_IMPORT_MAX_BYTES = int(os.environ.get("TOTONOU_IMPORT_MAX_BYTES", 50 * 1024 * 1024))

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Security -------------------------------------------------------------------------------------
# Django's database sessions, loaded with one plain query (``core.sessions``).
SESSION_ENGINE = "totonou.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_COOKIE_HTTPONLY = False  # htmx reads it through the template, not the cookie; kept default-safe
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("TOTONOU_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("TOTONOU_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp; ADR 0028): scripts, styles, images, fonts and requests only from
# this site, no inline script, no eval (htmx runs with allowEval off, see base.html), no <style> element.
# Style *attributes* stay allowed: they carry the colours and sizes the server computes (a member's
# colour, a bar's width), never a script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Sign-in throttling (django-axes): after TOTONOU_SIGNIN_FAILURE_LIMIT failed sign-ins for one username
# (from any address) or from one address (for any username), sign-in is refused, the right password too,
# until TOTONOU_SIGNIN_LOCKOUT_MINUTES pass without another failure (0: until an admin unlocks it).
# Unlock: Settings → Users → the user, the admin's "Access attempts", or `totonou axes_reset_username NAME`
# / `axes_reset_ip ADDRESS` (docs/operations.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out sign-in before any password check
    "totonou.users.backends.ModelBackend",  # Django's, with the user's team in the same query
]
AXES_FAILURE_LIMIT = int(os.environ.get("TOTONOU_SIGNIN_FAILURE_LIMIT", "10"))
_lockout_minutes = int(os.environ.get("TOTONOU_SIGNIN_LOCKOUT_MINUTES", "15"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=_lockout_minutes) if _lockout_minutes > 0 else None
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each counted on its own
AXES_LOCKOUT_CALLABLE = "totonou.web.views.accounts.signin_locked_out"
AXES_CLIENT_IP_CALLABLE = "totonou.core.request.client_ip"
AXES_ENABLE_ADMIN = False  # users/admin.py registers the attempts for admins only
AXES_VERBOSE = False  # no banner on every command; failures and lockouts are still logged
# How many reverse proxies (each appending to X-Forwarded-For) stand in front of the app; 0: the client
# is REMOTE_ADDR. Behind one TLS proxy set 1, or every sign-in counts against the proxy's address.
TOTONOU_TRUSTED_PROXIES = int(os.environ.get("TOTONOU_TRUSTED_PROXIES", "0"))

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TOTONOU_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Totonou --------------------------------------------------------------------------------------
# Days without a real contact before a customer counts as uncontacted, when neither the customer nor
# its segment sets a cadence.
TOTONOU_DEFAULT_CADENCE_DAYS = int(os.environ.get("TOTONOU_DEFAULT_CADENCE_DAYS", "30"))
# The month (1–12) the fiscal year starts in; April, as at most Japanese companies (targets/periods.py).
TOTONOU_FISCAL_YEAR_START_MONTH = int(os.environ.get("TOTONOU_FISCAL_YEAR_START_MONTH", "4"))
if not 1 <= TOTONOU_FISCAL_YEAR_START_MONTH <= 12:
    raise ImproperlyConfigured("TOTONOU_FISCAL_YEAR_START_MONTH must be a month from 1 to 12.")
# Shared reference data (segments, stages, loss reasons, activity types): admins always change it;
# managers too while this is on. An organisation with several teams sharing these lists turns it off.
TOTONOU_MANAGERS_EDIT_REFERENCE_DATA = env_bool("TOTONOU_MANAGERS_EDIT_REFERENCE_DATA", True)
# The team's currency (ISO 4217): deal amounts are whole units of it, shown with its symbol (JPY: ¥1,200,000).
TOTONOU_CURRENCY = os.environ.get("TOTONOU_CURRENCY", "JPY").strip().upper() or "JPY"
TOTONOU_API_PAGE_SIZE = 50
TOTONOU_API_MAX_PAGE_SIZE = 200
# What the search index holds, one source per kind of document, in the order results are grouped.
TOTONOU_SEARCH_SOURCES = [
    "totonou.activities.search_documents.activities",
    "totonou.customers.search_documents.customers",
    "totonou.customers.search_documents.contacts",
    "totonou.deals.search_documents.deals",
]

# --- Chat channels and webhooks (notifications) -------------------------------------------------------
# Outbound HTTP refuses loopback and private addresses unless this is on (local receivers, tests).
TOTONOU_WEBHOOK_ALLOW_PRIVATE = env_bool("TOTONOU_WEBHOOK_ALLOW_PRIVATE", False)
TOTONOU_WEBHOOK_TIMEOUT = float(os.environ.get("TOTONOU_WEBHOOK_TIMEOUT", "10"))
TOTONOU_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("TOTONOU_DELIVERY_MAX_ATTEMPTS", "8"))
TOTONOU_DELIVERY_BACKOFF_SECONDS = float(os.environ.get("TOTONOU_DELIVERY_BACKOFF_SECONDS", "10"))
TOTONOU_DELIVERY_BACKOFF_MAX_SECONDS = float(os.environ.get("TOTONOU_DELIVERY_BACKOFF_MAX_SECONDS", "3600"))
# How long a worker owns the deliveries it claimed; a worker that died loses them after this.
TOTONOU_DELIVERY_LEASE_SECONDS = float(os.environ.get("TOTONOU_DELIVERY_LEASE_SECONDS", "120"))
TOTONOU_DELIVERY_POLL_SECONDS = float(os.environ.get("TOTONOU_DELIVERY_POLL_SECONDS", "1"))
TOTONOU_CHATWORK_API_BASE = os.environ.get("TOTONOU_CHATWORK_API_BASE", "").rstrip("/") or (
    "https://api.chatwork.com/v2"
)
SLACK_SIGNING_SECRET = os.environ.get("SLACK_SIGNING_SECRET", "")
# Makes the daily digest and the uncontacted alert (domain knowledge, outside the notifications app).
TOTONOU_SCHEDULED_EVENT_BUILDER = "totonou.insights.digest.scheduled_event"

# --- Email (personal notifications, digests, password resets) ------------------------------------------
# Every mail Django sends is written to the outbox in the sender's transaction (after commit only,
# nothing lost) and sent by the worker with the delivery backend: SMTP when EMAIL_HOST is set, the
# console otherwise. Django's own names configure SMTP.
EMAIL_BACKEND = "totonou.notifications.mail.OutboxEmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Totonou <noreply@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
TOTONOU_EMAIL_DELIVERY_BACKEND = os.environ.get("TOTONOU_EMAIL_DELIVERY_BACKEND", "") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
TOTONOU_EMAIL_MAX_ATTEMPTS = int(os.environ.get("TOTONOU_EMAIL_MAX_ATTEMPTS", "6"))
# How long personal notifications (the bell) and sent emails are kept.
TOTONOU_NOTIFICATION_KEEP_DAYS = int(os.environ.get("TOTONOU_NOTIFICATION_KEEP_DAYS", "90"))
# The end of a working day (local time of each user): a plan past its end without a result is
# reminded to its owner then; managers get their team's list at the start of the next one.
TOTONOU_WORKDAY_START = os.environ.get("TOTONOU_WORKDAY_START", "08:30")
TOTONOU_WORKDAY_END = os.environ.get("TOTONOU_WORKDAY_END", "18:00")
# Personal scheduled work the worker runs every few seconds (domain jobs, outside the notifications
# app): each is called as ``job(now=...)`` and makes what is due once.
# The pipeline (docs/pipeline.md): an open deal with no activity done for this many days and nothing
# planned ahead is stalled; open deals in stages at or above this probability (%) are the "commit".
TOTONOU_STALLED_NO_ACTIVITY_DAYS = int(os.environ.get("TOTONOU_STALLED_NO_ACTIVITY_DAYS", "14"))
TOTONOU_COMMIT_PROBABILITY = int(os.environ.get("TOTONOU_COMMIT_PROBABILITY", "70"))
TOTONOU_PERSONAL_JOBS = [
    "totonou.activities.reminders.reminders_run",
    "totonou.insights.stalled.stalled_alerts_job",
    "totonou.reports.reminders.weekly_report_reminders_run",
]
# When a weekly report is due: a weekday (MON…SUN) and a time, in each member's time zone (reports/pack.py).
TOTONOU_WEEKLY_REPORT_DEADLINE = os.environ.get("TOTONOU_WEEKLY_REPORT_DEADLINE", "FRI 18:00")
