from django.urls import include, path

from actionplans import views

plans = "programmes/<int:pk>/plans/"
plan = plans + "<int:plan_id>/"
action = plan + "actions/<int:action_id>/"

urlpatterns = [
    path("", include("actionplans.urls_personal")),
    path(plans, views.plans, name="plans"),
    path(plans + "export.csv", views.plans_export, name="plans_export"),
    path(plan, views.plan_detail, name="plan_detail"),
    path(plan + "actions/", views.action_add, name="action_add"),
    path(action, views.action_edit, name="action_edit"),
    path(action + "delete/", views.action_delete, name="action_delete"),
    path(action + "follow-up/", views.action_follow_up, name="action_follow_up"),
    path(action + "win/", views.action_win, name="action_win"),
    path(
        "programmes/<int:pk>/items/<int:item_id>/plan/", views.plan_from_item, name="plan_from_item"
    ),
    path(
        "programmes/<int:pk>/seminars/<int:seminar_id>/activities/<int:activity_id>/plans/",
        views.planning_open,
        name="planning_open",
    ),
    path("t/<int:run_id>/", views.phone_plans, name="phone_plans"),
    path(
        "t/<int:run_id>/plans/<int:plan_id>/actions/",
        views.phone_add_action,
        name="phone_add_action",
    ),
    path("t/<int:run_id>/actions/<int:action_id>/", views.phone_action, name="phone_action"),
    path(
        "t/<int:run_id>/actions/<int:action_id>/follow-up/",
        views.phone_follow_up,
        name="phone_follow_up",
    ),
    path(
        "t/<int:run_id>/actions/<int:action_id>/difference/",
        views.phone_difference,
        name="phone_difference",
    ),
]
