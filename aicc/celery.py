import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aicc.settings")

app = Celery("aicc")
# All CELERY_* settings live in aicc/settings.py.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
