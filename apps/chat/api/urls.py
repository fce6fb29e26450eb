from django.conf import settings
from django.urls import path

from apps.chat.api import views

app_name = "chat_api"

urlpatterns = [
    path("chat", views.ChatMessageApi.as_view(), name="chat"),
    path("history/<uuid:session_id>", views.ChatHistoryApi.as_view(), name="history"),
    path("escalate", views.ChatEscalateApi.as_view(), name="escalate"),
    path("feedback", views.ChatFeedbackApi.as_view(), name="feedback"),
    path("csat", views.ChatCsatApi.as_view(), name="csat"),
]

if settings.AICC_BENCH_ENDPOINTS:
    from apps.chat.api.bench import BenchInsertApi

    urlpatterns.append(path("bench-insert", BenchInsertApi.as_view(), name="bench-insert"))
