from django.urls import path

from apps.desk import board_views, views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("state/", views.state_change, name="state"),
    path("panels/queue/", views.queue_panel, name="queue_panel"),
    path("panels/mine/", views.mine_panel, name="mine_panel"),
    path("c/<int:pk>/", views.conversation, name="conversation"),
    path("c/<int:pk>/messages/", views.messages_after, name="messages"),
    path("c/<int:pk>/suggestions/", views.suggestions, name="suggestions"),
    path("c/<int:pk>/accept/", views.accept, name="accept"),
    path("c/<int:pk>/close/", views.close, name="close"),
    path("c/<int:pk>/wrapup/", views.wrapup, name="wrapup"),
    path("c/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("c/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("board/", board_views.board, name="board"),
    path("board/snapshot/", board_views.board_snapshot, name="board_snapshot"),
    path("board/panels/lists/", board_views.board_lists, name="board_lists"),
    path("board/c/<int:pk>/", board_views.board_watch, name="board_watch"),
    path("board/c/<int:pk>/whisper/", board_views.board_whisper, name="board_whisper"),
    path("board/c/<int:pk>/take-over/", board_views.board_take_over, name="board_take_over"),
]
