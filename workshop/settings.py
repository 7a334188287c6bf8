"""Upserve settings: everything comes from the environment, with a zero-config embedded default.

Embedded default: SQLite in WAL mode, one Daphne process whose sockets hear every event within it.
``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` (broadcasts between processes, shared throttle
counters) switch to the production shape.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF

from workshop.network import lan_address

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("UPSERVE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _embedded_secret_key() -> str:
    """A random key kept in var/ so participant tokens survive a restart of the embedded server."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or _embedded_secret_key()
PORT = int(os.environ.get("PORT", "8000"))
PUBLIC_URL = (os.environ.get("PUBLIC_URL") or f"http://{lan_address()}:{PORT}").rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or [
    "localhost",
    "127.0.0.1",
    "[::1]",
    lan_address(),
    urlsplit(PUBLIC_URL).hostname or "localhost",
]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS") or [PUBLIC_URL]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "csp",
    "workshop",
    "game",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "workshop.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "workshop.urls"
ASGI_APPLICATION = "workshop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
    # Django serves each HTTP request in a thread of its own: without a pool, every thread
    # would keep a PostgreSQL connection and a rush of joins exhausts the server's slots.
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": 2,
            "max_size": int(os.environ.get("DB_POOL_SIZE", "16")),
            "timeout": 20,
        }
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", VAR_DIR / "upserve.sqlite3"),
            "OPTIONS": {
                # One writer at a time, taken at BEGIN. In WAL mode a commit is in the log file
                # before it returns, so a committed (and so acknowledged) event survives a kill
                # of the process; synchronous=NORMAL skips the fsync that only a power cut needs.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Keep each thread's connection: Channels closes "old" connections around every
            # database call, and reopening SQLite (with its pragmas) was the top cost measured.
            "CONN_MAX_AGE": None,
            "CONN_HEALTH_CHECKS": True,
        }
    }

# No CHANNEL_LAYERS: events reach sockets through their rooms (game/rooms.py; one Redis subscription
# per process and workshop), and without the setting Channels gives a consumer no layer at all.
REDIS_URL = os.environ.get("REDIS_URL", "")

# Shared counters for throttling joins: per process when embedded, in Redis when there are several.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# What the game asks of its host app (game/host.py): room codes, rights, screen keys, cards.
UPSERVE_HOST = "workshop.host.WorkshopHost"

# Abuse limits: (count, seconds). A venue's phones may share one public address: 500 of them join
# one room within a minute, so the per-address join limit is generous; it still stops a script
# hammering from one machine, and the per-workshop limit lets a 5,000-phone room fill in 100 s.
UPSERVE_JOINS_PER_ADDRESS = (int(os.environ.get("JOINS_PER_ADDRESS", "600")), 60)
UPSERVE_JOINS_PER_WORKSHOP = (int(os.environ.get("JOINS_PER_WORKSHOP", "500")), 10)
# Wrong room codes (misses) per address a minute; right codes are never counted
# (workshop/room_codes.py). CODE_LOOKUPS_PER_ADDRESS is its name before issue 12.
UPSERVE_CODE_MISSES_PER_ADDRESS = (
    int(
        os.environ.get("CODE_MISSES_PER_ADDRESS", os.environ.get("CODE_LOOKUPS_PER_ADDRESS", "30"))
    ),
    60,
)
UPSERVE_MESSAGES_PER_SECOND = float(os.environ.get("MESSAGES_PER_SECOND", "10"))
UPSERVE_MESSAGE_BURST = int(os.environ.get("MESSAGE_BURST", "40"))
# Sockets (docs/protocol.md §3.6). Counted per server process. Phones behind a venue's NAT share
# one address, so the per-address cap only stops one machine holding a process's memory; the
# seat cap bounds one participant's sockets (the oldest go), and the message rate above is per
# seat, shared by its sockets. A socket must say hello in time; a facilitator's right is checked
# again on logout, deactivation and removal (at once) and every RIGHTS_SECONDS.
UPSERVE_SOCKETS_PER_ADDRESS = int(os.environ.get("SOCKETS_PER_ADDRESS", "10000"))
UPSERVE_SOCKETS_PER_SEAT = int(os.environ.get("SOCKETS_PER_SEAT", "5"))
UPSERVE_HELLO_SECONDS = float(os.environ.get("HELLO_SECONDS", "20"))
# Seconds a workshop's room stays in a process's memory once nobody uses it (game/rooms.py): a
# phone reloading its page should not make the process fold the whole log again.
UPSERVE_ROOM_LINGER_SECONDS = float(os.environ.get("ROOM_LINGER_SECONDS", "30"))
UPSERVE_RIGHTS_SECONDS = float(os.environ.get("RIGHTS_SECONDS", "30"))
# Refused commands' receipts kept per sender and workshop, the newest (docs/protocol.md §4).
UPSERVE_REFUSED_RECEIPTS_PER_SENDER = int(os.environ.get("REFUSED_RECEIPTS_PER_SENDER", "100"))
# How long vote and move events wait to go out together to screens and consoles: at most fifty
# tallies a second, however fast votes come in. They are a handful of sockets, so this is about
# what a projector can redraw, not about server work.
UPSERVE_TALLY_SECONDS = float(os.environ.get("TALLY_SECONDS", "0.02"))
# Phones show no live tally, so they hear a vote storm once a second (phase changes at once).
UPSERVE_PHONE_TALLY_SECONDS = float(os.environ.get("PHONE_TALLY_SECONDS", "1.0"))
# ... and a room with more phones than this on one process hears it less often, so that the
# process writes at most this many tally frames a second (game/lanes.py).
UPSERVE_PHONE_FRAMES_PER_SECOND = float(os.environ.get("PHONE_FRAMES_PER_SECOND", "1000"))
# How often the facilitator's list of who is connected is brought up to date.
UPSERVE_PRESENCE_SECONDS = float(os.environ.get("PRESENCE_SECONDS", "1.0"))
# The replay page fetches a round's log in pieces of at most this many events (issue 12, A3).
UPSERVE_REPLAY_PIECE = max(1, int(os.environ.get("REPLAY_PIECE", "500")))

# Workshop archives (workshop/archive.py). The upload limit is deploy/nginx.conf's
# client_max_body_size too (tests/workshop/test_archive_limits.py compares them): change both.
# It fits a 5,000-phone workshop of seven rounds; with the shape limits of
# workshop/archive_limits.py (overridden by UPSERVE_ARCHIVE_LIMITS) it bounds an import's memory.
UPSERVE_ARCHIVE_MAX_BYTES = 32 * 1024 * 1024
UPSERVE_IMPORTS_PER_FACILITATOR = (int(os.environ.get("IMPORTS_PER_FACILITATOR", "6")), 3600)
# Each import of the web app runs in a child process (workshop/import_worker.py) capped at this
# much address space (measured peaks: 265 MB for a real 26 MB archive, 720 MB for the worst 32 MB
# of crafted JSON found) and killed after this many seconds (deploy/nginx.conf waits 150 s for
# the answer); what it wrote is then deleted.
UPSERVE_IMPORT_MEMORY_MB = int(os.environ.get("IMPORT_MEMORY_MB", "1024"))
UPSERVE_IMPORT_SECONDS = float(os.environ.get("IMPORT_SECONDS", "120"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"

# Login throttling (django-axes) on /accounts/login/ and /admin/login/: after
# LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is locked
# for LOGIN_COOLOFF_MINUTES, right password or not, and each try while locked starts the wait
# again. Per username *and* address, so a stranger cannot lock a facilitator out from elsewhere.
# The address is REMOTE_ADDR, as everywhere else (behind nginx, Daphne's --proxy-headers sets it
# from the header the proxy overwrites); axes never reads X-Forwarded-For itself.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "workshop.throttle.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_LOCKOUT_CALLABLE = "workshop.security.lockout_response"
# Failed attempts are kept (the admin lists them; `manage.py axes_reset` lifts a lock), but not
# a row for every successful login.
AXES_DISABLE_ACCESS_LOG = True
LOGIN_REDIRECT_URL = "console"
LOGOUT_REDIRECT_URL = "landing"

LANGUAGE_CODE = "en"
# English ships; a translation is a folder under locale/ and a line here.
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the source folders: no collectstatic step before the first run.
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
# Served over HTTPS (behind a proxy that terminates TLS): the full set of deploy protections.
HTTPS = env_bool("HTTPS", PUBLIC_URL.startswith("https://"))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Content-Security-Policy (django-csp): only this server's own scripts, styles, images and
# sockets; no inline script or style, no eval, no framing. workshop.security adds the page's
# WebSocket origin (ws:// or wss:// of the requested host) to connect-src, for browsers whose
# 'self' does not yet cover WebSockets (CSP Level 2, e.g. Safari before 15.4).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
