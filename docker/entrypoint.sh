#!/bin/sh
# One image, several roles: web (ASGI, HTTP + websockets), worker, beat, migrate.
set -e
case "${DJANGO_SECRET_KEY:-}" in
    ""|replace-me*)
        echo "DJANGO_SECRET_KEY is not set: copy docker/.env.sample to docker/.env and set it." >&2
        exit 64 ;;
esac
case "$1" in
    web)
        # uvicorn workers under gunicorn: gunicorn restarts crashed workers, uvicorn speaks
        # HTTP/1.1 + websockets. FORWARDED_ALLOW_IPS (gunicorn reads it from the environment)
        # names the load balancer whose X-Forwarded-For/-Proto are trusted.
        exec gunicorn aicc.asgi:application --worker-class uvicorn.workers.UvicornWorker \
            --bind "0.0.0.0:${PORT:-8000}" --workers "${WEB_WORKERS:-2}" --timeout 60 \
            --graceful-timeout 30 --keep-alive 30 ;;
    worker)
        # One pool per queue in production (CELERY_QUEUES=realtime ...), see docs/operations.md.
        exec celery -A aicc worker -l info -Q "${CELERY_QUEUES:-default,realtime,sync,reports}" \
            --concurrency "${CELERY_CONCURRENCY:-2}" ;;
    beat)
        exec celery -A aicc beat -l info ;;
    migrate)
        exec python manage.py migrate --noinput ;;
    *)
        exec "$@" ;;
esac
