"""Settings for the Partner Asset Portal, read from the environment.

Every setting a deployment changes is an environment variable, listed in the
README's configuration table. Bad values stop the process with
ImproperlyConfigured (see portal/env.py).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from accounts.sso_settings import trading_grid_providers
from portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY to a long random "
            "string (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The port the site listens on (`make run` passes it to runserver); absolute links in
# emails follow it unless SITE_URL names the public address.
PORT = env_int("PORT", 8000)
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
BRAND_NAME = env_str("BRAND_NAME", "Kestrel Outdoor")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "knox",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "accounts",
    "audit",
    "assets",
    "communities",
    "cases",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.headers.SecurityHeadersMiddleware",
    "portal.headers.PortalCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.RequestIdMiddleware",
    "portal.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffMfaMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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
                "portal.context_processors.portal",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------
_DEFAULT_DB = f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", _DEFAULT_DB), conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}")
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's JIT compiles the visibility subqueries on every request and costs
    # more than it saves on these short queries (bench/catalog.py: ~1 s per query).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
         # BEGIN IMMEDIATE: a transaction takes the write lock up front and waits `timeout`
         # for it, instead of failing at once with "database is locked" when a webhook and
         # the demo seed write at the same moment.
         "transaction_mode": "IMMEDIATE"}
    )
    # What SQLite cannot enforce and PostgreSQL does (covering-index columns, NULLS NOT
    # DISTINCT): expected on the embedded default, so `migrate` does not warn about it on
    # every `make run` (the constraints are exercised on PostgreSQL).
    SILENCED_SYSTEM_CHECKS = ["models.W040", "models.W047"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts (django-allauth) ------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "signup": "20/m/ip",
}
# Partners join by invitation; a demo can open sign-up.
PORTAL_OPEN_SIGNUP = env_bool("PORTAL_OPEN_SIGNUP", False)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Partner Asset Portal")
# Staff (content team, support, admins) must enrol TOTP before using staff pages.
PORTAL_REQUIRE_STAFF_MFA = env_bool("PORTAL_REQUIRE_STAFF_MFA", True)

# --- Sign in with Trading Grid (OpenID Connect; portal/sso.py, communities/sso.py) ------
INSTALLED_APPS += ["allauth.socialaccount", "allauth.socialaccount.providers.openid_connect"]
TRADING_GRID_OIDC_SERVER_URL = env_str("TRADING_GRID_OIDC_SERVER_URL", "")  # the issuer
TRADING_GRID_OIDC_CLIENT_ID = env_str("TRADING_GRID_OIDC_CLIENT_ID", "")
TRADING_GRID_OIDC_CLIENT_SECRET = env_str("TRADING_GRID_OIDC_CLIENT_SECRET", "")
SOCIALACCOUNT_PROVIDERS = trading_grid_providers(
    TRADING_GRID_OIDC_SERVER_URL, TRADING_GRID_OIDC_CLIENT_ID, TRADING_GRID_OIDC_CLIENT_SECRET)
SOCIALACCOUNT_ADAPTER = "portal.sso.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # Trading Grid vouches for the address
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never match an account on email alone
SOCIALACCOUNT_STORE_TOKENS = False
ACCOUNT_FORMS = {"login": "portal.sso.LoginForm",
                 "reset_password": "portal.sso.ResetPasswordForm"}
# Partners with a Trading Grid identity must sign in with it (staff, invitees: passwords).
PORTAL_PARTNER_SSO_REQUIRED = env_bool("PORTAL_PARTNER_SSO_REQUIRED", False)

# --- Email --------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
# The file backend's folder (bin/run-demo writes the demo's emails there, not to its log).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Partner Asset Portal <portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SUPPORT_EMAIL = env_str("SUPPORT_EMAIL", "support@brand.example")

# --- Cache (allauth rate limits, throttling) --------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security (quiet `check --deploy` when DEBUG is off) ----------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440, minimum=1024)

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated",
                                   "accounts.authentication.StaffSecondFactor"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("API_THROTTLE_USER", "1200/hour"),
        "anon": env_str("API_THROTTLE_ANON", "60/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner Asset Portal API",
    "DESCRIPTION": "Approved brand media for trading partners: assets, communities, cases.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from this site (drf-spectacular-sidecar), so the CSP needs no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "portal.schema.add_common_error_responses"],
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL
# Without a broker (the embedded default) tasks run eagerly, in the calling process.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or CELERY_BROKER_URL or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "assets.tasks.sync_*": {"queue": "sync"},
    "assets.tasks.apply_*": {"queue": "sync"},
    "communities.tasks.sync_*": {"queue": "sync"},
    "communities.tasks.apply_*": {"queue": "sync"},
    "*.tasks.send_*": {"queue": "notifications"},
    "*.tasks.notify_*": {"queue": "notifications"},
}
CELERY_BEAT_SCHEDULE = {
    "audit-verify-nightly": {"task": "audit.tasks.verify_audit_chain",
                             "schedule": crontab(hour=3, minute=30)},
    "asset-grants-check-nightly": {"task": "communities.tasks.repair_asset_grants",
                                   "schedule": crontab(hour=3, minute=45)},
    "full-asset-sync-daily": {"task": "assets.tasks.sync_assets_full",
                              "schedule": crontab(hour=2, minute=0)},
    "delta-asset-sync": {"task": "assets.tasks.sync_assets_delta", "schedule": 300.0},
    "community-sync": {"task": "communities.tasks.sync_communities", "schedule": 3600.0},
    "case-sla-reminders": {"task": "cases.tasks.notify_sla_reminders", "schedule": 3600.0},
    "case-notification-sweep": {"task": "cases.tasks.send_pending_notifications",
                                "schedule": 300.0},
    # Releases, revocations and master restrictions not yet confirmed by Cloudinary.
    "delivery-sweep": {"task": "assets.tasks.sweep_delivery", "schedule": 60.0},
    # Trading Grid case threads: pull what webhooks missed, send outbox posts still due.
    "case-thread-sync": {"task": "cases.tasks.sync_threads", "schedule": 600.0},
}

# --- Cloudinary ---------------------------------------------------------------
EMULATOR_CLOUDINARY_PORT = env_int("EMULATOR_CLOUDINARY_PORT", 8701, minimum=1)
CLOUDINARY_URL = env_str(
    "CLOUDINARY_URL",
    f"cloudinary://demo_key:demo_secret@demo?upload_prefix=http://127.0.0.1:"
    f"{EMULATOR_CLOUDINARY_PORT}&cname=127.0.0.1:{EMULATOR_CLOUDINARY_PORT}"
    f"&secure=false&private_cdn=false",
)
if not CLOUDINARY_URL.startswith("cloudinary://"):
    raise ImproperlyConfigured("CLOUDINARY_URL must look like cloudinary://KEY:SECRET@CLOUD")
CLOUDINARY_WEBHOOK_MAX_BYTES = env_int("CLOUDINARY_WEBHOOK_MAX_BYTES", 1_048_576, minimum=1024)
CLOUDINARY_WEBHOOK_VALID_FOR = env_int("CLOUDINARY_WEBHOOK_VALID_FOR", 7200, minimum=60)
CLOUDINARY_RATE_LIMIT_MAX_WAIT = env_int("CLOUDINARY_RATE_LIMIT_MAX_WAIT", 3600, minimum=0)
# Where product line, campaign, market and kind come from: structured metadata
# field, then context key, then tag prefix (see README, "Taxonomy mapping").
ASSET_TAXONOMY = {
    "product_line": {"metadata": env_str("TAXONOMY_LINE_FIELD", "product_line"),
                     "context": "product_line", "tag_prefix": "line:"},
    "campaign": {"metadata": env_str("TAXONOMY_CAMPAIGN_FIELD", "campaign"),
                 "context": "campaign", "tag_prefix": "campaign:"},
    "market": {"metadata": env_str("TAXONOMY_MARKET_FIELD", "market"),
               "context": "market", "tag_prefix": "market:"},
    "kind": {"metadata": env_str("TAXONOMY_KIND_FIELD", "asset_kind"),
             "context": "kind", "tag_prefix": "kind:"},
}
# Locale variants (issue #14): the master relation comes from Cloudinary's related assets;
# the fallback convention is this structured-metadata field / context key holding the
# master's public id or asset id (the locale is the `locale` field / key).
ASSET_VARIANTS = {
    "master_metadata": env_str("VARIANT_MASTER_FIELD", "master"),
    "master_context": "master",
    "locale_metadata": "locale",
    "locale_context": "locale",
    "related_assets": env_bool("VARIANT_RELATED_ASSETS", True),
}
# Where Cloudinary reports eager derivatives made ahead (an `eager` notification); empty:
# the cloud's own notification URL (Settings → Webhook notifications).
CLOUDINARY_EAGER_NOTIFICATION_URL = env_str("CLOUDINARY_EAGER_NOTIFICATION_URL",
                                            SITE_URL + "/hooks/cloudinary/")
DOWNLOAD_LINK_TTL = env_int("DOWNLOAD_LINK_TTL", 600, minimum=10)
# Cloudinary token-based access key (hex, from the account's security settings): every
# partner link then carries an expiring token, and restricted masters need one. The
# recommended configuration; `check --deploy` warns without it. The demo uses a demo key.
CLOUDINARY_AUTH_TOKEN_KEY = env_str(
    "CLOUDINARY_AUTH_TOKEN_KEY", "d3a1f00dcafe0123456789abcdef0123" if DEBUG else "")
# Lifetime (s) of the tokens on thumbnails and previews in pages (downloads: DOWNLOAD_LINK_TTL).
PREVIEW_LINK_TTL = env_int("PREVIEW_LINK_TTL", 3600, minimum=60)
# Where the portal keeps the protected copies of approved versions (`authenticated` type).
CLOUDINARY_RELEASE_FOLDER = env_str("CLOUDINARY_RELEASE_FOLDER", "partner-portal/releases")
# Restrict public masters with access_control=token, so no mirrored asset is fetchable
# from the CDN by its public id (the brand's own sites then need tokens too).
CLOUDINARY_RESTRICT_MASTERS = env_bool("CLOUDINARY_RESTRICT_MASTERS", True)
# Kinds (slugs) whose new versions are approved without review; controlled kinds never are.
ASSET_AUTO_APPROVE_KINDS = env_list("ASSET_AUTO_APPROVE_KINDS", [])
ASSET_CONTROLLED_KINDS = env_list(
    "ASSET_CONTROLLED_KINDS", ["packaging", "compliance-label", "regulatory-visual"])

# Content-Security-Policy (django-csp, portal/headers.py): this site, plus the delivery
# host of CLOUDINARY_URL and any custom media domains (e.g. a CDN CNAME).
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF, NONCE],
    "style-src-attr": [UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    "media-src": [SELF],
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "frame-ancestors": [NONE],
    "form-action": [SELF],
}}
CSP_EXTRA_MEDIA_ORIGINS = env_list("CSP_EXTRA_MEDIA_ORIGINS", [])

# --- Trading Grid -------------------------------------------------------------
EMULATOR_TRADING_GRID_PORT = env_int("EMULATOR_TRADING_GRID_PORT", 8702, minimum=1)
TRADING_GRID_URL = env_str(
    "TRADING_GRID_URL",
    f"http://portal-demo:tg-demo-secret@127.0.0.1:{EMULATOR_TRADING_GRID_PORT}/v1",
)
TRADING_GRID_WEBHOOK_SECRET = env_str(
    "TRADING_GRID_WEBHOOK_SECRET", "tg-webhook-demo-secret" if DEBUG else None
)

# --- Personal API tokens (django-rest-knox: SHA-512 digests at rest) ---------
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 90, minimum=1)
API_TOKEN_MAX_TTL_DAYS = env_int("API_TOKEN_MAX_TTL_DAYS", 365, minimum=API_TOKEN_TTL_DAYS)
KNOX_TOKEN_MODEL = "accounts.ApiToken"
# knox's own migrations would create its unused default table; accounts.ApiToken has its own.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "TOKEN_PREFIX": "pap_",  # lets secret scanners recognise a leaked portal token
    "AUTH_HEADER_PREFIX": "Token",
}

# Missing or demo secrets and a per-process cache are errors (portal/checks.py).
PORTAL_PRODUCTION_CHECKS = not DEBUG

# --- Cases --------------------------------------------------------------------
CASE_REOPEN_WINDOW_DAYS = env_int("CASE_REOPEN_WINDOW_DAYS", 14, minimum=0)
# Case attachments (a screenshot or a PDF): private files under this folder, never served by
# URL; the case page's download view checks who may read the case and the message.
CASE_ATTACHMENTS_DIR = env_str("CASE_ATTACHMENTS_DIR", str(VAR_DIR / "case-attachments"))
CASE_ATTACHMENT_MAX_BYTES = env_int("CASE_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # runserver's request lines (4xx are warnings, 5xx errors) and Django's own loggers
    # (the autoreloader) follow LOG_LEVEL too.
    "loggers": {"django.server": {"handlers": ["console"], "propagate": False,
                                  "level": env_str("LOG_LEVEL", "INFO")},
                "django": {"level": env_str("LOG_LEVEL", "INFO")}},
}
if CELERY_TASK_ALWAYS_EAGER:
    # Without a broker kombu warns "No hostname was supplied" about the broker it never uses.
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}

# --- Notification centre and currency of controlled artwork (#12) -------------
INSTALLED_APPS += ["notifications", "compliance"]
TEMPLATES[0]["OPTIONS"]["context_processors"].append("notifications.context.unread")
# Days a partner organisation has to confirm it works from a new controlled version.
COMPLIANCE_ACK_DAYS = env_int("COMPLIANCE_ACK_DAYS", 14, minimum=1)
# Kinds whose superseded versions stop downloading (and get a case) once overdue.
COMPLIANCE_BLOCK_KINDS = env_list("COMPLIANCE_BLOCK_KINDS", [])
CELERY_BEAT_SCHEDULE["acknowledgement-reminders"] = {
    "task": "compliance.tasks.notify_acknowledgement_reminders",
    "schedule": crontab(minute=0)}  # hourly: 07:00 in each user's time zone
CELERY_BEAT_SCHEDULE["new-asset-notices"] = {
    "task": "compliance.tasks.notify_new_assets", "schedule": crontab(minute="*/15")}
# Hourly: the daily digests of users whose local morning it is.
CELERY_BEAT_SCHEDULE["notification-digests"] = {
    "task": "notifications.tasks.send_digests", "schedule": crontab(minute=5)}

# --- Launch kits (#13) ----------------------------------------------------------
INSTALLED_APPS += ["launches"]
# Days before go-live when owners get a digest of incomplete kits and partner
# organisations that have not confirmed get a reminder.
LAUNCH_REMINDER_DAYS = env_int("LAUNCH_REMINDER_DAYS", 7, minimum=1)
# A kit's readiness is recomputed this many seconds after the first change (more changes
# in the meantime ride along).
LAUNCH_RECOMPUTE_DEBOUNCE_SECONDS = env_int("LAUNCH_RECOMPUTE_DEBOUNCE_SECONDS", 10, minimum=0)
CELERY_BEAT_SCHEDULE["launch-reminders"] = {
    "task": "launches.tasks.notify_launch_reminders", "schedule": crontab(hour=6, minute=30)}
CELERY_BEAT_SCHEDULE["launch-readiness-sweep"] = {
    "task": "launches.tasks.recompute_upcoming_kits", "schedule": crontab(minute=20)}
