from django.urls import path

from seminars import views

prefix = "programmes/<int:pk>/seminars/<int:seminar_id>/"
board = prefix + "activities/<int:activity_id>/board/"
groups = prefix + "activities/<int:activity_id>/groups/"

urlpatterns = [
    path("j/", views.join, name="join"),
    path("j/<str:code>/", views.join_code, name="join_code"),
    path("j/<str:code>/kiosk/", views.kiosk_start, name="kiosk_start"),
    path("kiosk/", views.kiosk_next, name="kiosk_next"),
    path("p/", views.participant_home, name="participant_home"),
    path("b/<int:board_id>/", views.board_phone, name="board_phone"),
    path("b/<int:board_id>/post/", views.board_post, name="board_post"),
    path("b/<int:board_id>/vote/", views.board_vote, name="board_vote"),
    path("g/<int:work_id>/", views.group_phone, name="group_phone"),
    path("g/<int:work_id>/join/", views.group_join, name="group_join"),
    path("g/<int:work_id>/notes/", views.group_notes, name="group_notes"),
    path("e/<int:evaluation_id>/", views.evaluation_phone, name="evaluation_phone"),
    path("e/<int:evaluation_id>/send/", views.evaluation_submit, name="evaluation_submit"),
    path(
        "programmes/<int:pk>/evaluation-questions/",
        views.evaluation_questions,
        name="evaluation_questions",
    ),
    path("programmes/<int:pk>/seminars/add/", views.seminar_add, name="seminar_add"),
    path(prefix, views.seminar_detail, name="seminar_detail"),
    path(prefix + "move/", views.seminar_move, name="seminar_move"),
    path(prefix + "remove/", views.seminar_remove, name="seminar_remove"),
    path(prefix + "end/", views.seminar_end, name="seminar_end"),
    path(prefix + "sessions/", views.session_add, name="session_add"),
    path(
        prefix + "sessions/<int:session_id>/remove/",
        views.session_remove,
        name="session_remove",
    ),
    path(
        prefix + "sessions/<int:session_id>/display/",
        views.session_display_open,
        name="session_display_open",
    ),
    path(prefix + "display/", views.display_open, name="display_open"),
    path(prefix + "documentation/", views.seminar_documentation, name="seminar_documentation"),
    path(
        prefix + "documentation/pdf/",
        views.seminar_documentation_pdf,
        name="seminar_documentation_pdf",
    ),
    path(
        prefix + "documentation/release/",
        views.documentation_release,
        name="documentation_release",
    ),
    path("d/<str:token>/", views.documentation_shared, name="documentation_shared"),
    path("l/<str:token>/", views.logbook, name="logbook"),
    path(prefix + "wall/", views.seminar_wall, name="seminar_wall"),
    path("display/<str:token>/", views.display, name="display"),
    path("display/<str:token>/live/", views.display_live, name="display_live"),
    path(prefix + "activities/", views.activity_add, name="activity_add"),
    path(prefix + "activities/<int:activity_id>/edit/", views.activity_edit, name="activity_edit"),
    path(
        prefix + "activities/<int:activity_id>/delete/",
        views.activity_delete,
        name="activity_delete",
    ),
    path(prefix + "activities/<int:activity_id>/move/", views.activity_move, name="activity_move"),
    path(
        prefix + "activities/<int:activity_id>/present/",
        views.activity_present,
        name="activity_present",
    ),
    path(board, views.board_control, name="board_control"),
    path(board + "phase/", views.board_phase, name="board_phase"),
    path(board + "settings/", views.board_settings, name="board_settings"),
    path(board + "merge/", views.board_merge, name="board_merge"),
    path(board + "posts/<int:post_id>/", views.board_post_action, name="board_post_action"),
    path(board + "posts/<int:post_id>/edit/", views.board_post_edit, name="board_post_edit"),
    path(board + "items/<int:group_id>/", views.board_group_edit, name="board_group_edit"),
    path(
        prefix + "activities/<int:activity_id>/evaluation/",
        views.evaluation_control,
        name="evaluation_control",
    ),
    path(groups, views.group_control, name="group_control"),
    path(groups + "settings/", views.group_settings, name="group_settings"),
    path(groups + "add/", views.group_add, name="group_add"),
    path(groups + "present/", views.group_present, name="group_present"),
    path(groups + "<int:group_id>/remove/", views.group_remove, name="group_remove"),
    path(
        groups + "<int:group_id>/logbook-link/",
        views.group_logbook_link,
        name="group_logbook_link",
    ),
]
