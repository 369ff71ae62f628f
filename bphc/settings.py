"""Settings for the 公租房登记 portal, read from the environment.

Local defaults let a fresh checkout run on SQLite with DEBUG on; with DEBUG off the
values production needs must be given or start-up stops with a clear message.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when DEBUG is off (see README, 'Running in production')."
        )
    return value


if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdef")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = _required("SECRET_KEY")
    ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]

# ID numbers are encrypted at rest. FIELD_ENCRYPTION_KEY is a comma-separated list of
# Fernet keys (the first encrypts, all decrypt: rotate by putting a new key first and
# running `manage.py rotate_keys`); FIELD_HMAC_KEY keys the digest used for lookups.
if DEBUG:
    FIELD_ENCRYPTION_KEYS = env.list(
        "FIELD_ENCRYPTION_KEY", default=["ZGV2LW9ubHkta2V5LW5ldmVyLXVzZS1pbi1wcm9kISE="]
    )
    FIELD_HMAC_KEY = env.str("FIELD_HMAC_KEY", default="dev-only-hmac-key-do-not-use-in-production")
else:
    FIELD_ENCRYPTION_KEYS = [k.strip() for k in _required("FIELD_ENCRYPTION_KEY").split(",") if k.strip()]
    FIELD_HMAC_KEY = _required("FIELD_HMAC_KEY")

INSTALLED_APPS = [
    "bphc.apps.StaffAdminConfig",  # django.contrib.admin, with the staff second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "accounts",
    "rentals",
    "filings",
    "registrations",
    "guide",
    "results",
    "bphc.apps.BphcConfig",
    "django_tasks",
    "django_tasks_db",
    "notifications",
    "admission",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bphc.modes.ModeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.StaffIdleTimeout",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # The waiting room in front of the pages listed in admission.middleware.GUARDED.
    "admission.middleware.WaitingRoom",
    "bphc.middleware.MethodNotAllowedPage",
    "bphc.middleware.NoStoreWhenSignedIn",
]

# The benchmark's floor endpoints and their table (bench/); never on in production.
BENCH_FLOOR = env.bool("BENCH_FLOOR", default=False)
if BENCH_FLOOR:
    INSTALLED_APPS.append("bench")

ROOT_URLCONF = "bphc.urls"
WSGI_APPLICATION = "bphc.wsgi.application"

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
                "bphc.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
# Production keeps each worker's connection for a minute instead of one per request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0 if DEBUG else 60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers on SQLite wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DB_PREPARED", default=True):
    # Parameters bound by the server, so that psycopg prepares a statement the fifth time a
    # connection runs it and PostgreSQL stops parsing and planning it again (bench/README.md,
    # "Prepared statements"). DB_PREPARED=0 behind a PgBouncer in transaction mode older than 1.21.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://bphc")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A cache only: when Redis is away pages read the database and limits refuse (bphc/cache.py).
    # Short socket timeouts, so that an unreachable Redis costs a page half a second, not a minute.
    CACHES["default"]["BACKEND"] = "bphc.cache.ResilientRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": env.float("CACHE_TIMEOUT", default=0.5),
         "socket_timeout": env.float("CACHE_TIMEOUT", default=0.5)}
    )
# Sessions are written to the database and read through the cache: while the cache is
# away they come from the database alone (bphc/cache.py drops the cached copies when it
# returns, since writes and logouts during the outage never reached them).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "accounts.User"
# AccountBackend reads the filing with the account (accounts/backends.py); ModelBackend stays
# for the sessions signed in before it.
AUTHENTICATION_BACKENDS = ["accounts.backends.AccountBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:center"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "bphc.staticfiles.StaticStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# SMS: "outbox" stores messages for /dev/sms/, "console" logs them, "tencent" sends them.
SMS_BACKEND = env.str("SMS_BACKEND", default="outbox" if DEBUG else "")
if not DEBUG and not SMS_BACKEND:
    raise ImproperlyConfigured("SMS_BACKEND must be set when DEBUG is off (e.g. 'tencent').")
SMS_SIGN_NAME = "北京保障房中心"
SMS_TENCENT = {
    "ENDPOINT": env.str("SMS_TENCENT_ENDPOINT", default="https://sms.tencentcloudapi.com/"),
    "REGION": env.str("SMS_TENCENT_REGION", default="ap-beijing"),
    "SECRET_ID": env.str("SMS_TENCENT_SECRET_ID", default=""),
    "SECRET_KEY": env.str("SMS_TENCENT_SECRET_KEY", default=""),
    "SDK_APP_ID": env.str("SMS_TENCENT_SDK_APP_ID", default=""),
    # One approved template per message: "code_login=1234567,registered=1234568,…"; the
    # parameters of each are in accounts.sms.TEMPLATE_PARAMS order.
    "TEMPLATES": env.dict("SMS_TENCENT_TEMPLATES", default={}),
    # A code is sent inside the family's request: never hold it longer than 3 s.
    "TIMEOUT": min(env.float("SMS_TENCENT_TIMEOUT", default=3.0), 3.0),
}

# Notices (not codes) go through django-tasks' database backend: a job is a row written in
# the transaction of the change it reports; `manage.py db_worker` sends (README, "Workers").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
NOTIFICATION_MAX_ATTEMPTS = 5
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=120)
# How long a worker may take to send one message before another may try it (well over the
# provider timeout): what a worker killed mid-send delays its message by.
NOTIFICATION_LEASE_SECONDS = env.int("NOTIFICATION_LEASE_SECONDS", default=60)

# The waiting room (admission/, README "排队"): its state is in Redis, shared by every app
# server; memory:// (an in-process Redis) is for development and the SQLite tests only.
ADMISSION_STORE_URL = env.str(
    "ADMISSION_STORE_URL",
    default=CACHES["default"]["LOCATION"] if CACHES["default"]["BACKEND"].endswith("RedisCache") else "memory://",
)
ADMISSION_STORE_TIMEOUT = env.float("ADMISSION_STORE_TIMEOUT", default=0.5)
# Families admitted per minute: the register wave measured ~50 requests/s on the bench's
# 2-core stack (bench/README.md), ~4 requests a family (notice, submit, success, records),
# so ~12 families/s = 720/min; 600 keeps a sixth in hand for the pages around it.
ADMISSION_DEFAULT_PER_MINUTE = env.int("ADMISSION_DEFAULT_PER_MINUTE", default=600)

SMS_CODE_TTL_SECONDS = 5 * 60
SMS_CODE_MAX_ATTEMPTS = 5
SMS_RESEND_SECONDS = 60
SMS_DAILY_PER_PHONE = env.str("SMS_DAILY_PER_PHONE", default="10/d")
SMS_DAILY_PER_IP = env.str("SMS_DAILY_PER_IP", default="60/d")
SMS_DAILY_PER_BLOCK = env.str("SMS_DAILY_PER_BLOCK", default="300/d")
# Requests for a code from one address before each further one needs the challenge
# (accounts/challenge.py): a family needs two or three; a counter or a shared NAT solves it
# without noticing (the page's script does the work), a script sending hundreds pays for each.
SMS_CHALLENGE_AFTER = env.str("SMS_CHALLENGE_AFTER", default="5/h")
SMS_CHALLENGE_BITS = env.int("SMS_CHALLENGE_BITS", default=14)
SMS_DAILY_PER_STAFF_PHONE = env.str("SMS_DAILY_PER_STAFF_PHONE", default="20/d")
SMS_BUDGET_PER_HOUR = env.str("SMS_BUDGET_PER_HOUR", default="3000/h")
SMS_BUDGET_PER_DAY = env.str("SMS_BUDGET_PER_DAY", default="20000/d")
SMS_BUDGET_ALERT_RATIO = 0.8
# Failed sign-ins only (successes cost nothing); see README, "Limits", for the numbers.
LOGIN_RATE_PER_IP = env.str("LOGIN_RATE_PER_IP", default="300/h")
LOGIN_RATE_PER_PHONE = env.str("LOGIN_RATE_PER_PHONE", default="10/h")
VERIFY_RATE_PER_USER = env.str("VERIFY_RATE_PER_USER", default="10/h")
VERIFY_RATE_PER_IP = env.str("VERIFY_RATE_PER_IP", default="60/h")
# Staff searches for a family by whole ID number or phone, and the counter's ID check, per
# staff member: a counter serves a family every few minutes, while recovering one masked
# number takes about 1,500 tries (25 hours at this rate, each one in the audit log).
STAFF_SEARCH_RATE = env.str("STAFF_SEARCH_RATE", default="60/h")

RATELIMIT_VIEW = "bphc.views.ratelimited"
RATELIMIT_IP_META_KEY = "bphc.http.client_ip"
# How many reverse proxies in front of the app append to X-Forwarded-For (0: none).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
RATELIMIT_USE_CACHE = "default"

SITE_NAME = "北京保障房中心"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

if DEBUG:
    # A local-memory cache is not shared between processes; fine for one dev server.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
else:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    if TRUSTED_PROXY_COUNT > 0:
        # Only a proxy we run may say the request came over HTTPS; without one, any client
        # could send the header and pass for a secure request.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# No inline scripts or styles anywhere: every script and style sheet is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
# A staff session left alone this long is signed out (accounts.middleware.StaffIdleTimeout):
# a counter's screen is often left unattended, and staff pages show families' records.
STAFF_IDLE_TIMEOUT_SECONDS = env.int("STAFF_IDLE_TIMEOUT_SECONDS", default=30 * 60)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# The hotline the 帮助 page shows (the places and hours are kept by staff in the admin).
BPHC_HOTLINE = env.str("BPHC_HOTLINE", default="")
