from django.urls import path

from apps.evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("assignments/<int:pk>/open/", views.assignment_open, name="assignment_open"),
    path("e/<int:pk>/", views.evaluation, name="evaluation"),
    path("e/<int:pk>/recording/", views.recording_play, name="recording"),
    path("e/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("recordings/file/", views.recording_file, name="recording_file"),
    path("my/", views.my_evaluations, name="my_evaluations"),
    path("my/<int:pk>/", views.my_evaluation, name="my_evaluation"),
    path("my/<int:pk>/acknowledge/", views.my_acknowledge, name="my_acknowledge"),
    path("my/<int:pk>/dispute/", views.my_dispute, name="my_dispute"),
    path("disputes/", views.disputes, name="disputes"),
    path("calibrations/", views.calibration_list, name="calibrations"),
    path("calibrations/<int:pk>/", views.calibration_detail, name="calibration"),
]
