from django.urls import path

from apps.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("health", views.HealthApi.as_view(), name="health"),
    path("metrics", views.MetricsApi.as_view(), name="metrics"),
]
