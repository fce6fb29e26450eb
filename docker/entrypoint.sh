#!/bin/sh
# One image, several roles: web (ASGI, HTTP + websockets), worker, beat, migrate.
set -e
case "$1" in
    web)
        exec gunicorn aicc.asgi:application --worker-class uvicorn.workers.UvicornWorker \
            --bind 0.0.0.0:8000 --workers "${WEB_WORKERS:-2}" --timeout 60 ;;
    worker)
        exec celery -A aicc worker -l info -Q "${CELERY_QUEUES:-default,realtime,sync,reports}" \
            --concurrency "${CELERY_CONCURRENCY:-2}" ;;
    beat)
        exec celery -A aicc beat -l info ;;
    migrate)
        exec python manage.py migrate --noinput ;;
    *)
        exec "$@" ;;
esac
