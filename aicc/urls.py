from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.integrations.views import payment_demo

admin.site.site_header = _("AICC Cloud 운영 포털")
admin.site.site_title = "AICC Cloud"
admin.site.index_title = _("운영 관리")

handler404 = "apps.core.api.handler404"
handler500 = "apps.core.api.handler500"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("desk/", include("apps.desk.urls")),
    path("chat/", include("apps.chat.urls")),
    path("qa/", include("apps.evaluations.urls")),
    path("reports/", include("apps.reports.urls")),
    path("api/chatbot/", include("apps.chat.api.urls")),
    path("api/admin/", include("apps.reports.api_urls")),
    path("api/monitoring/", include("apps.monitoring.urls")),
    path("pay/demo/", payment_demo, name="payment-demo"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script as a file: CSP allows scripts only from self.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
