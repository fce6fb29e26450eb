from django.urls import path

from apps.agents.api import AgentsApi
from apps.reports.api import DashboardApi

app_name = "staff_api"

urlpatterns = [
    path("dashboard", DashboardApi.as_view(), name="dashboard"),
    path("agents", AgentsApi.as_view(), name="agents"),
]
