from django.urls import path

from apps.reports import views

app_name = "reports"

urlpatterns = [
    path("kpis/", views.kpi_board, name="kpis"),
    path("exports/", views.export_list, name="exports"),
    path("exports/new/", views.export_create, name="export_create"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
