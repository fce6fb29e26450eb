import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aicc.settings")

application = get_wsgi_application()

# Servers load the Korean analyser (~0.5 GiB, seconds) before the first request, so no customer
# waits for it; management commands import neither entry point and stay light.
from apps.nlu.morph import warm_up  # noqa: E402

warm_up()
