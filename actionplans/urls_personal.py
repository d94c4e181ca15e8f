"""Personal plans, mounted at the site root: every path starts with plan/ (the key cookie's
path). No route names a plan: the key finds it. The share route's parameter is `code`, so
programmes.logs masks it in every log line."""

from django.urls import path

from actionplans import views_personal as views

urlpatterns = [
    path("plan/", views.plan_home, name="plan_home"),
    path("plan/start/", views.plan_start, name="plan_start"),
    path("plan/recover/", views.plan_recover, name="plan_recover"),
    path("plan/edit/", views.plan_edit, name="plan_edit"),
    path("plan/reflect/", views.plan_reflect, name="plan_reflect"),
    path("plan/share/", views.plan_share, name="plan_share"),
    path("plan/download/", views.plan_download, name="plan_download"),
    path("plan/erase/", views.plan_erase, name="plan_erase"),
    path("plan/forget/", views.plan_forget, name="plan_forget"),
    path("plan/s/<str:code>/", views.plan_shared, name="plan_shared"),
]
