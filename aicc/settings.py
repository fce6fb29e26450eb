"""AICC Cloud settings: one module, driven by environment variables.

The defaults run `manage.py runserver` and `pytest` with no service at all: SQLite, local-memory
cache, in-memory channel layer, local NLU and local Connect/Lex twins. DATABASE_URL, REDIS_URL and
AICC_AWS_BACKEND=aws switch to PostgreSQL, Redis and AWS (see README.md).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from aicc import security
from aicc.database import database_config
from aicc.logging import init_sentry, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("AICC_READ_DOT_ENV", default=False):
    environ.Env.read_env(BASE_DIR / ".env")

SECRET_KEY = env(
    "DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789"
)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("AICC_SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_celery_beat",
    "django_celery_results",
    "import_export",
    "simple_history",
    "csp",
    "axes",
    "apps.core",
    "apps.agents",
    "apps.customers",
    "apps.faqs",
    "apps.scenarios",
    "apps.chat",
    "apps.nlu",
    "apps.desk",
    "apps.evaluations",
    "apps.reports",
    "apps.integrations",
    "apps.monitoring",
]

MIDDLEWARE = [
    # First, so every later log line of the request carries its id (aicc/logging.py).
    "aicc.logging.RequestIdMiddleware",
    "apps.monitoring.middleware.MetricsMiddleware",
    # Right after metrics, so shed 503s are counted, and before any work on a request to shed.
    "apps.monitoring.middleware.QueueDeadlineMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "apps.monitoring.middleware.ApiGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into a 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aicc.urls"
WSGI_APPLICATION = "aicc.wsgi.application"
ASGI_APPLICATION = "aicc.asgi.application"

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
            ],
        },
    },
]

# Database: SQLite needs no service; DATABASE_URL=postgres://... switches to PostgreSQL.
DATABASES = {"default": database_config(env, BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and channel layer: Redis when REDIS_URL is set, in-process otherwise.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Fail fast when Redis is down so chat degrades instead of hanging (DESIGN §4).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: each process subscribes once and Redis pushes events to it. The list-based
            # core layer polled one message at a time (four round trips each) and dropped replies
            # when channels filled at 2,000 sockets (bench/ws_load.py). Delivery is at most once,
            # which the clients already handle: they resync from history?after_seq=.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                # The default pool of 100 failed at 2,000 reconnecting sockets (DESIGN §12).
                # Keep reads above redis-py's blocking reads, and fail fast when Redis is down.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": 1000,
                        "socket_timeout": 15,
                        "socket_connect_timeout": 2,  # a dead Redis fails fast, chat goes on
                    }
                ],
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Websocket consumers run database work on this many threads on PostgreSQL (SQLite keeps one);
# keep DATABASE_POOL_MAX above it plus the HTTP threads of the same process.
WS_DB_THREADS = env.int("WS_DB_THREADS", default=8)
AICC_WARM_NLU = env.bool("AICC_WARM_NLU", default=True)
# Garbage-collector thresholds of ASGI (websocket) processes, see aicc/asgi.py.
AICC_GC_THRESHOLDS = tuple(env.list("AICC_GC_THRESHOLDS", cast=int, default=[10000, 20, 10]))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes) on the admin and desk logins: after AXES_FAILURE_LIMIT wrong
# passwords the username is locked from that address for the cool-off. Keyed on username + IP,
# not IP alone: a whole contact-centre floor shares one NAT address. Behind a load balancer the
# client address comes from gunicorn's FORWARDED_ALLOW_IPS (docs/operations.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "apps.core.login_throttle.attempt_username"
# The attempt logs are in admin for the admin role (core migration 0004): deleting a user's
# attempts unlocks them; `manage.py axes_reset_username` does the same from a shell.
AXES_ENABLE_ADMIN = True
AXES_COOLOFF_MESSAGE = _("로그인 실패가 너무 많습니다. 잠시 후 다시 시도하세요.")
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/desk/"

# Korean first, English second.
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("한국어")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("AICC_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("AICC_MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production images run collectstatic and set the manifest storage (docker/Dockerfile:
    # CompressedManifestStaticFilesStorage, hashed names cached forever). The default needs no
    # manifest, so tests and `make run` render {% static %} without a collectstatic.
    "staticfiles": {
        "BACKEND": env(
            "AICC_STATIC_STORAGE", default="whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}

# HTTPS: AICC_HTTPS=true behind TLS turns on every transport setting `check --deploy` asks for.
AICC_HTTPS = env.bool("AICC_HTTPS", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if AICC_HTTPS else None
SECURE_SSL_REDIRECT = AICC_HTTPS
SESSION_COOKIE_SECURE = AICC_HTTPS
CSRF_COOKIE_SECURE = AICC_HTTPS
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if AICC_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = AICC_HTTPS
SECURE_HSTS_PRELOAD = AICC_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^api/monitoring/health$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {"DIRECTIVES": security.CSP_DIRECTIVES}  # django-csp 4
# Sites allowed to frame the customer chat (/chat/?embed=1, loaded by static/js/widget.js). That
# page holds no staff data, so the default lets any site embed it; list your sites in production.
AICC_WIDGET_ORIGINS = env.list("AICC_WIDGET_ORIGINS", default=["*"])

# DRF and the OpenAPI schema
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AICC Cloud API",
    "DESCRIPTION": "Chat API for channels (web widget, mobile app) and staff endpoints.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.chat.api.schema.add_session_links",
    ],
}

# Celery
# With no broker configured, tasks run inline so a bare `runserver` or `pytest` still works;
# `make run` points CELERY_BROKER_URL at an embedded Redis and starts a real worker and beat.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers log through LOGGING below (JSON in production) instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Redis redelivers an unacknowledged (acks_late) task after this many seconds. It must exceed
# the longest task plus any retry countdown, or a running task is handed out twice (tasks are
# idempotent, so that costs work, not correctness); the worker CI test sets a few seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # A running worker scans for expired unacked tasks every interval x throttle seconds (kombu
    # default 10 x 10); the worker CI test, with a 4-second visibility timeout, scans every 10 s.
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_TASK_TIME_LIMIT = 30 * 60  # a hung AWS call must not hold a worker slot forever
# Queues: realtime (15-second metrics, escalations, notifications) must never wait behind a
# long sync or a report; `make run` and production workers consume all four (README).
CELERY_TASK_ROUTES = {
    "integrations.connect_sync_live_metrics": {"queue": "realtime"},
    "integrations.connect_escalate": {"queue": "realtime"},
    "integrations.connect_mirror_contacts": {"queue": "realtime"},
    "integrations.agent_set_connect_status": {"queue": "realtime"},
    "integrations.notification_send": {"queue": "realtime"},
    "integrations.cloudwatch_publish": {"queue": "realtime"},
    "integrations.connect_sync_directory": {"queue": "sync"},
    "integrations.connect_sync_historical": {"queue": "sync"},
    "integrations.lex_push_if_changed": {"queue": "sync"},
    "integrations.lex_sync": {"queue": "sync"},
    "integrations.dynamodb_mirror_*": {"queue": "sync"},
    "integrations.retention_purge": {"queue": "reports"},
    "reports.*": {"queue": "reports"},
    "desk.push_board_snapshot": {"queue": "realtime"},
    "evaluations.*": {"queue": "reports"},
    "integrations.connect_sync_voice_contacts": {"queue": "sync"},
    "monitoring.alerts_evaluate": {"queue": "realtime"},
    "monitoring.alert_send": {"queue": "realtime"},
    "faqs.mine_candidates": {"queue": "reports"},
    "core.audit_monthly_report": {"queue": "reports"},
}
# Conversations, messages and transcripts are destroyed this long after they end (PIPA; the
# e-commerce act keeps consumer complaints 3 years). Purged daily by integrations.retention_purge.
AICC_RETENTION_DAYS = env.int("AICC_RETENTION_DAYS", default=3 * 365)

# E-mail
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="AICC Cloud <noreply@aicc.local>")

# AWS Connect / Lex
# local = offline twins (default); aws = boto3. Production with `aws` must name its resources.
AICC_AWS_BACKEND = env("AICC_AWS_BACKEND", default="local")
AWS_REGION = env("AWS_REGION", default="ap-northeast-2")
if AICC_AWS_BACKEND == "aws":
    CONNECT_INSTANCE_ID = env("CONNECT_INSTANCE_ID")
    LEX_BOT_ID = env("LEX_BOT_ID")
    LEX_BOT_ALIAS_ID = env("LEX_BOT_ALIAS_ID")
else:
    CONNECT_INSTANCE_ID = env("CONNECT_INSTANCE_ID", default="local-instance")
    LEX_BOT_ID = env("LEX_BOT_ID", default="LOCALBOT")
    LEX_BOT_ALIAS_ID = env("LEX_BOT_ALIAS_ID", default="TSTALIASID")
LEX_LOCALE_ID = env("LEX_LOCALE_ID", default="ko_KR")
CONNECT_INSTANCE_ARN = env("CONNECT_INSTANCE_ARN", default="")  # else derived from a synced queue
# Escalating chats into Connect needs a contact flow; without one, handoffs stay in the desk.
CONNECT_CHAT_CONTACT_FLOW_ID = env("CONNECT_CHAT_CONTACT_FLOW_ID", default="")
# Connect's default API quota; the token bucket on the cache shares it across all workers.
CONNECT_REQUESTS_PER_SECOND = env.float("CONNECT_REQUESTS_PER_SECOND", default=2.0)
# Scheduled Connect syncs skip the local twin so demo agents and queues are not overwritten.
CONNECT_SYNC_LOCAL = env.bool("CONNECT_SYNC_LOCAL", default=False)
# Where the Connect instance stores call recordings inside AWS_STORAGE_BUCKET_NAME (the bucket the
# QA page presigns playback URLs for): <prefix>/YYYY/MM/DD/<contactId>_<timestamp>.wav.
CONNECT_RECORDINGS_PREFIX = env("CONNECT_RECORDINGS_PREFIX", default="connect/aicc/CallRecordings")
# "django" sends e-mail through EMAIL_URL even on AWS; empty means SES with AICC_AWS_BACKEND=aws.
AICC_EMAIL_VIA = env("AICC_EMAIL_VIA", default="")
# DynamoDB table the Lex code-hook Lambda (apps/integrations/aws/lex_code_hook.py) answers from,
# keyed by intent code; empty = no mirror. CloudWatch custom metrics every minute when enabled.
AICC_DYNAMODB_TABLE = env("AICC_DYNAMODB_TABLE", default="")
AICC_CLOUDWATCH_ENABLED = env.bool("AICC_CLOUDWATCH_ENABLED", default=False)
AICC_CLOUDWATCH_NAMESPACE = env("AICC_CLOUDWATCH_NAMESPACE", default="AICC")
# Deploying with local twins must be said out loud (system check aicc.W001 otherwise).
AICC_LOCAL_BACKENDS_OK = env.bool("AICC_LOCAL_BACKENDS_OK", default=False)

# Bot and NLU
NLU_BACKEND = env("NLU_BACKEND", default="local")
NLU_LEX_TIMEOUT_SECONDS = env.float("NLU_LEX_TIMEOUT_SECONDS", default=2.0)
CRM_BASE_URL = env("CRM_BASE_URL", default="")
AICC_STORAGE = env("AICC_STORAGE", default="local")
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AICC_STORAGE == "s3":
    # Transcripts and report files on S3 (apps/integrations/aws/s3.py): private, encrypted,
    # handed out only as 15-minute presigned URLs.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "region_name": AWS_REGION,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 900,
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"},
        },
    }
AICC_DEMO_PASSWORD = env("AICC_DEMO_PASSWORD", default="aicc-demo-2026")

# Logging: text lines on stderr, or JSON lines for CloudWatch with AICC_LOG_FORMAT=json (the
# compose default); Sentry only when a DSN is given. Both mask personal data (aicc/logging.py).
AICC_LOG_FORMAT = env("AICC_LOG_FORMAT", default="text")
LOGGING = logging_config(level=env("DJANGO_LOG_LEVEL", default="INFO"), log_format=AICC_LOG_FORMAT)
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    init_sentry(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("AICC_RELEASE", default=None),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
# Extra phrases that hand a customer to a person, on top of the built-in Korean ones.
BOT_ESCALATION_KEYWORDS = env.list("BOT_ESCALATION_KEYWORDS", default=[])
BOT_DEFAULT_QUEUE = env("BOT_DEFAULT_QUEUE", default="general")
# Chat API throttles: (requests, seconds) per channel key and per session.
AICC_THROTTLE_RATES = {
    "channel_key": (env.int("THROTTLE_KEY_PER_MINUTE", default=6000), 60),
    "session": (env.int("THROTTLE_SESSION_PER_MINUTE", default=30), 60),
}
# An API request that waited longer than this between nginx (X-Request-Start) and Django gets a
# quick 503 instead of an answer its client has likely stopped waiting for (10 s). 0 disables.
API_QUEUE_DEADLINE_SECONDS = env.float("API_QUEUE_DEADLINE_SECONDS", default=8.0)
# bench/chat_load.py's plain-insert endpoint; never enable in production.
AICC_BENCH_ENDPOINTS = env.bool("AICC_BENCH_ENDPOINTS", default=False)
# Bodies over 64 KB are refused with 413 before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
