#!/bin/sh
# One image, several roles: web (WSGI, HTTP), ws (ASGI, websockets), worker, beat, migrate.
set -e
case "${DJANGO_SECRET_KEY:-}" in
    ""|replace-me*)
        echo "DJANGO_SECRET_KEY is not set: copy docker/.env.sample to docker/.env and set it." >&2
        exit 64 ;;
esac
case "$1" in
    web)
        # HTTP under gunicorn gthread (WSGI): sync DRF views measured faster here than under an
        # ASGI server (issue 4); persistent connections per thread (DATABASE_CONN_MAX_AGE).
        # FORWARDED_ALLOW_IPS names the proxy whose X-Forwarded-For/-Proto are trusted.
        exec gunicorn aicc.wsgi:application -c scripts/gunicorn.conf.py \
            --bind "0.0.0.0:${PORT:-8000}" ;;
    ws)
        # Websockets under uvicorn (ASGI) with the psycopg pool (DATABASE_POOL=true): persistent
        # connections are unsafe under ASGI. No per-message deflate: it costs memory per socket.
        # wsproto held 10,000 sockets in less memory than websockets (bench/ws_load.py).
        ulimit -n 65536 2>/dev/null || true
        exec uvicorn aicc.asgi:application --host 0.0.0.0 --port "${PORT:-8001}" --ws wsproto \
            --ws-per-message-deflate false --backlog 4096 --proxy-headers ;;
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
