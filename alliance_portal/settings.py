"""Settings for the Shuozhou alliance portal, read from the environment (12-factor).

Local defaults are safe for a developer's machine: DEBUG on, embedded SQLite, console
e-mail. ``PORTAL_PRODUCTION=1`` switches to production mode: DEBUG off, a secret key and
the allowed hosts are required, cookies are secure, HSTS is on, and ``manage.py check
--deploy`` passes with zero warnings.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = env_bool("PORTAL_PRODUCTION")
# Behind the bureau's reverse proxy, which terminates TLS and appends the client's address
# to X-Forwarded-For (applications.throttles.client_ip reads it from there, and only then).
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY")
# How many proxies of ours append to X-Forwarded-For: the client is the entry before theirs.
PORTAL_TRUSTED_PROXY_COUNT = int(os.environ.get("PORTAL_TRUSTED_PROXY_COUNT", "1"))
# DEBUG only when asked for (`make run` sets DJANGO_DEBUG=1): its pages show tracebacks.
DEBUG = False if PRODUCTION else env_bool("DJANGO_DEBUG", False)

if PRODUCTION:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "生产模式需要设置 DJANGO_SECRET_KEY（至少 50 个字符）。"
            " / Production mode needs DJANGO_SECRET_KEY (50 characters or more)."
        )
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "生产模式需要设置 DJANGO_ALLOWED_HOSTS。 / Production mode needs DJANGO_ALLOWED_HOSTS."
        )
    # Letters sent by the daily commands (no request to take the host from) link to it.
    if not os.environ.get("PORTAL_SITE_URL", "").startswith("https://"):
        raise ImproperlyConfigured(
            "生产模式需要设置 PORTAL_SITE_URL（https:// 开头的平台地址）。"
            " / Production mode needs PORTAL_SITE_URL (the portal's https:// address)."
        )
else:
    # A fixed key is fine for a local demo: production refuses to start without its own.
    SECRET_KEY = os.environ.get(
        "DJANGO_SECRET_KEY", "local-development-only-key-shuozhou-alliance-portal-not-secret"
    )
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    # Django's admin, on a site that asks administrators for a two-factor code when required.
    "alliance_portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    # Failed log-ins counted per account and per address, on the database (see "Log-in" below).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_ratelimit",
    "alliance_portal",
    "applications",
    "review",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "alliance_portal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session has passed the two-factor step.
    "django_otp.middleware.OTPMiddleware",
    "alliance_portal.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A user between the password and the code (or the enrolment) reaches nothing else.
    "alliance_portal.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "alliance_portal.errors.DebugNotFoundMiddleware",
    # Last, as django-axes asks: turns a refused (locked-out) log-in into the portal's page.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Static files from the application server itself (collected by `collectstatic`).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "alliance_portal.urls"
CSRF_FAILURE_VIEW = "alliance_portal.errors.csrf_failure"
WSGI_APPLICATION = "alliance_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alliance_portal.context_processors.portal",
            ],
        },
    },
]

# The embedded SQLite database is the default; DATABASE_URL switches to PostgreSQL
# (postgres://user@host:port/name, driven by psycopg 3).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks: BEGIN IMMEDIATE takes the write lock at the start of each
    # transaction, so that of two clerks clicking at once one waits, then sees the new
    # state, instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
    # Tests use a file as the portal does: an in-memory database locks differently.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "applications.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every attempt of a locked account or address, the right password included.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, also taking the e-mail address (applicants have no chosen name).
    "applications.backends.EmailOrUsernameBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"
# An e-mail confirmation or password-reset link stays valid for three days.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))

# Uploaded documents are private: stored outside any public URL and served only through a
# view that checks permission. MEDIA_URL stays unset on purpose. A cloud bucket is a
# settings change of the "default" storage.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PORTAL_PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private"))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}

# Uploads (DESIGN.md "Documents"): the size limit is enforced while a file streams in; files
# above FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, never wholly into memory.
PORTAL_UPLOAD_MAX_BYTES = int(os.environ.get("PORTAL_UPLOAD_MAX_MB", "20")) * 1024 * 1024
# A 300 dpi A3 scan is about 17 million pixels; a decompression bomb is far above this.
PORTAL_IMAGE_MAX_PIXELS = int(os.environ.get("PORTAL_IMAGE_MAX_PIXELS", "50000000"))
PORTAL_IMPORT_MAX_ROWS = 200
# The member import's own upload limit (issue 8): a filled 200-row template is tens of KB.
PORTAL_IMPORT_MAX_BYTES = int(os.environ.get("PORTAL_IMPORT_MAX_KB", "2048")) * 1024
# Pages of an uploaded PDF, per document kind (applications.enums.DocumentKind) and by default:
# a licence has a page or two, an agreement tens. Reading the count is itself bounded.
PORTAL_DOCUMENT_MAX_PAGES = {
    "default": int(os.environ.get("PORTAL_DOCUMENT_MAX_PAGES", "50")),
    "form": 100,  # the signed and sealed form: the generated one runs to tens of pages
    "agreement": 60,
    "charter": 30,
    "licence": 4,
    "other": 50,
    "authorisation": 4,  # the registration's 法人授权委托书
    "minutes": 30,  # a Party-group meeting's minutes (会议纪要)
}
# What an uploaded PDF may cost to read (applications.pdf_clean; review of issue 8): indirect
# objects in its cross-reference table (a scanned page has a handful, a 60-page Word export a
# few thousand), items pypdf parses for it (numbers, names, arrays, ...), and decompressed
# bytes of its pages' content streams. With them, checking and cleaning any accepted file
# takes a few seconds at most (make bench).
PORTAL_PDF_MAX_OBJECTS = int(os.environ.get("PORTAL_PDF_MAX_OBJECTS", "20000"))
PORTAL_PDF_MAX_PARSED_ITEMS = int(os.environ.get("PORTAL_PDF_MAX_PARSED_ITEMS", "300000"))
PORTAL_PDF_MAX_CONTENT_BYTES = int(os.environ.get("PORTAL_PDF_MAX_CONTENT_MB", "64")) * 1024 * 1024
# "Other materials" slots of one application, and members of one alliance (Art. 4(3): 一般
# 不超过 15 家; more with a written justification, up to this hard limit): with the text
# lengths of the models, they bound what the generated form and the dossier cost to build.
PORTAL_OTHER_DOCUMENTS_MAX = 10
# The newest versions of one file's materials together: the merged dossier grows with them
# (about 5 s and 600 MB of memory per 100 MB on a 2-core machine, `make bench`). Fifteen
# licences, the agreement, the charter and the signed form scanned at 200–300 dpi come to
# 30–60 MB.
PORTAL_DOSSIER_MAX_BYTES = int(os.environ.get("PORTAL_DOSSIER_MAX_MB", "100")) * 1024 * 1024
PORTAL_MEMBERS_MAX = 30
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: the console locally; SMTP when EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "朔州市科学技术局 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    # Mail is sent right after the commit, in the request: a server that does not answer must
    # not hold it for long (applications.outbox keeps the mail queued for send_outbox).
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# A strict Content-Security-Policy: no inline script or style anywhere, nothing from
# another origin (the portal runs on a government intranet; all assets are vendored).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind the bureau's reverse proxy, which terminates TLS.
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Log-in (issue 8) --------------------------------------------------------------------------
# django-axes counts failed log-ins (and wrong two-factor codes) in the database, so that every
# gunicorn worker sees the same count. An account is locked after AXES_FAILURE_LIMIT failures,
# an address after PORTAL_LOGIN_FAILURES_PER_ADDRESS (several people may share one, behind
# a county office's NAT), each for AXES_COOLOFF_TIME after the last failure; a try during the
# lock counts again. The administrator lifts a lock in the admin (访问尝试) or with
# `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS`.
AXES_HANDLER = "applications.throttles.PortalAxesHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("PORTAL_LOGIN_FAILURES_PER_ACCOUNT", "5"))
PORTAL_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("PORTAL_LOGIN_FAILURES_PER_ADDRESS", "20"))
# Counted apart, each against its own limit (not the pair together): the account's failures
# against AXES_FAILURE_LIMIT, the address's against PORTAL_LOGIN_FAILURES_PER_ADDRESS
# (applications.throttles.failure_limits; PortalAxesHandler gives the address its own limit,
# where axes alone would lock it at AXES_FAILURE_LIMIT too).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A failure counts for the account it was aimed at however it was spelled (the user name, or
# the address in any case: applications.backends.accounts_for), unknown names in lower case.
AXES_USERNAME_CALLABLE = "applications.throttles.account_username"
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("PORTAL_LOGIN_LOCK_MINUTES", "30")))
AXES_CLIENT_IP_CALLABLE = "applications.throttles.client_ip"
AXES_LOCKOUT_CALLABLE = "applications.views.accounts.locked_out"
# Never written into the attempt records (axes masks "password" itself).
# Its start-up line on every manage.py command says nothing the settings do not.
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]

# Account mails (password reset, registration confirmation) per address and per client
# address, counted by django-ratelimit in Django's cache: "3/h" is three an hour.
PORTAL_MAIL_RATE_PER_ADDRESS = os.environ.get("PORTAL_MAIL_RATE_PER_ADDRESS", "3/h")
PORTAL_MAIL_RATE_PER_IP = os.environ.get("PORTAL_MAIL_RATE_PER_IP", "10/h")
# Sign-ups (each makes an account and an organisation and hashes a password) per client address.
PORTAL_SIGNUP_RATE = os.environ.get("PORTAL_SIGNUP_RATE", "10/h")
# Objections to a public notice (review.objections) per client address and per phone.
PORTAL_OBJECTION_RATE_PER_IP = os.environ.get("PORTAL_OBJECTION_RATE_PER_IP", "5/h")
PORTAL_OBJECTION_RATE_PER_PHONE = os.environ.get("PORTAL_OBJECTION_RATE_PER_PHONE", "3/d")
RATELIMIT_IP_META_KEY = "applications.throttles.address_for_rate_limits"
# The cache's counters are shared by all workers with no extra service: a table of the
# portal's own database (`manage.py createcachetable`, run by `make run`; Django's test
# database creation runs it too), whose increment is made atomic by alliance_portal.cache.
# PORTAL_CACHE_URL=redis://host:6379/0 moves it to Redis (pip install redis) instead.
# How long a public page (notices, the directory, their PDFs and open data) may be served from
# the cache; whatever changes them empties it on commit (alliance_portal.public_cache). 0: off.
PORTAL_PUBLIC_CACHE_SECONDS = int(os.environ.get("PORTAL_PUBLIC_CACHE_SECONDS", "600"))
if os.environ.get("PORTAL_CACHE_URL", "").startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["PORTAL_CACHE_URL"],
        },
        "public": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["PORTAL_CACHE_URL"],
            "KEY_PREFIX": "public",
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "alliance_portal.cache.AtomicDatabaseCache",
            "LOCATION": "portal_cache",
            # Counters of many clients: culling would forget some of them (and lift their limit).
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
        # The public pages (alliance_portal.public_cache), apart: however many pages visitors
        # ask for, culling them never touches the counters above.
        "public": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_public_cache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        },
    }
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit knows only its listed backends: ours increments atomically (a row lock
    # on PostgreSQL, SQLite's write lock), and Django's RedisCache with INCRBY.
    "django_ratelimit.W001",
]

# Two-factor log-in with TOTP (django-otp; applications/two_factor.py): the name the
# authenticator app shows. Whether a role must use it is TwoFactorPolicy, in the admin.
OTP_TOTP_ISSUER = "朔州市联盟管理平台"
# The admin lists and deletes users' authenticators (a lost phone) but never shows their secrets.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own configuration gives "django" a console handler of its own; through the
        # root as well, every 403 traceback and "Not Found" line would print twice.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # The PDF libraries narrate every page they lay out at INFO; only their problems matter.
        **{name: {"level": "WARNING"} for name in ("weasyprint", "fontTools", "pikepdf", "pypdf")},
    },
}

# 单位注册审核: a sign-up whose address is not confirmed within this many days is deleted
# (``manage.py expire_signups``, and lazily on registration) and holds nothing any more. At
# least as long as a confirmation link is valid (PASSWORD_RESET_TIMEOUT, 3 days).
PORTAL_UNCONFIRMED_SIGNUP_DAYS = int(os.environ.get("PORTAL_UNCONFIRMED_SIGNUP_DAYS", "7"))

# The bureau's contact shown in the footer (and later on notices for objections).
PORTAL_BUREAU_NAME = _("朔州市科学技术局")
PORTAL_CONTACT_PHONE = os.environ.get("PORTAL_CONTACT_PHONE", "0349-0000000")
PORTAL_CONTACT_ADDRESS = os.environ.get("PORTAL_CONTACT_ADDRESS", "山西省朔州市朔城区")
PORTAL_CONTACT_ADDRESS_EN = os.environ.get(
    "PORTAL_CONTACT_ADDRESS_EN", "Shuocheng District, Shuozhou, Shanxi Province"
)

# The portal's own address (https://lianmeng.example.gov.cn), for links in mails sent where
# no request gives it (a recognition made by ``close_notices``); empty: the mails give paths.
PORTAL_SITE_URL = os.environ.get("PORTAL_SITE_URL", "")
