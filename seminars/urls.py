from django.urls import path

from seminars import views

prefix = "programmes/<int:pk>/seminars/<int:number>/"

urlpatterns = [
    path("j/", views.join, name="join"),
    path("j/<str:code>/", views.join_code, name="join_code"),
    path("p/", views.participant_home, name="participant_home"),
    path(prefix, views.seminar_detail, name="seminar_detail"),
    path(prefix + "display/", views.display_open, name="display_open"),
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
]
