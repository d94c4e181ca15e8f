from django.urls import path

from surveys import views

programme = "programmes/<int:pk>/"

urlpatterns = [
    path("s/<int:round_id>/", views.survey_start, name="survey_start"),
    path("s/<int:round_id>/q/<int:page>/", views.survey_page, name="survey_page"),
    path("s/<int:round_id>/review/", views.survey_review, name="survey_review"),
    path("s/<int:round_id>/thanks/", views.survey_thanks, name="survey_thanks"),
    path(programme + "rounds/", views.rounds, name="rounds"),
    path(programme + "rounds/<int:round_id>/", views.round_detail, name="round_detail"),
    path(programme + "rounds/<int:round_id>/open/", views.round_open, name="round_open"),
    path(programme + "rounds/<int:round_id>/close/", views.round_close, name="round_close"),
    path(programme + "survey/", views.survey_setup, name="survey_setup"),
    path(programme + "results/", views.results, name="results"),
    path(
        programme + "results/export.<str:fmt>",
        views.results_export,
        name="results_export",
    ),
    path(programme + "events/", views.event_add, name="event_add"),
    path(programme + "events/<int:event_id>/edit/", views.event_edit, name="event_edit"),
    path(programme + "events/<int:event_id>/delete/", views.event_delete, name="event_delete"),
    path(programme + "survey/preview/", views.survey_preview, name="survey_preview"),
    path("instruments/", views.instruments, name="instruments"),
    path("instruments/<int:instrument_id>/", views.instrument_detail, name="instrument_detail"),
    path(
        "instruments/<int:instrument_id>/export.json",
        views.instrument_export,
        name="instrument_export",
    ),
    path(
        "instruments/<int:instrument_id>/new-version/",
        views.instrument_new_version,
        name="instrument_new_version",
    ),
    path(
        "instruments/<int:instrument_id>/items/<int:item_id>/edit/",
        views.instrument_item_edit,
        name="instrument_item_edit",
    ),
    path(
        "instruments/<int:instrument_id>/items/<int:item_id>/delete/",
        views.instrument_item_delete,
        name="instrument_item_delete",
    ),
]
