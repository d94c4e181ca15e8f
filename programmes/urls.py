from django.urls import path

from programmes import invitations, privacy, views, views_workspaces

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The privacy notice: its programme comes from the session, never from the URL.
    path("privacy/", privacy.privacy, name="privacy"),
    # The token-free page first: a token is never "accept".
    path(
        "invitations/accept/",
        invitations.accept,
        {"kind": "manager"},
        name="manager_invitation_continue",
    ),
    path(
        "invitations/<str:token>/",
        invitations.link,
        {"kind": "manager"},
        name="invitation_accept",
    ),
    path(
        "workspace-invitations/accept/",
        invitations.accept,
        {"kind": "workspace"},
        name="workspace_invitation_continue",
    ),
    path(
        "workspace-invitations/<str:token>/",
        invitations.link,
        {"kind": "workspace"},
        name="workspace_invitation",
    ),
    path("workspaces/new/", views_workspaces.workspace_create, name="workspace_create"),
    path("workspaces/<int:workspace_id>/", views_workspaces.workspace, name="workspace"),
    path(
        "workspaces/<int:workspace_id>/settings/",
        views_workspaces.workspace_settings,
        name="workspace_settings",
    ),
    path(
        "workspaces/<int:workspace_id>/invite/",
        views_workspaces.workspace_invite,
        name="workspace_invite",
    ),
    path(
        "workspaces/<int:workspace_id>/invitations/<int:invitation_id>/cancel/",
        views_workspaces.workspace_invitation_cancel,
        name="workspace_invitation_cancel",
    ),
    path(
        "workspaces/<int:workspace_id>/members/<int:member_id>/remove/",
        views_workspaces.workspace_member_remove,
        name="workspace_member_remove",
    ),
    path(
        "workspaces/<int:workspace_id>/members/<int:member_id>/owner/",
        views_workspaces.workspace_owner,
        name="workspace_owner",
    ),
    path(
        "workspaces/<int:workspace_id>/log/",
        views_workspaces.workspace_audit,
        name="workspace_audit",
    ),
    path("p/<str:token>/", views.participant_link, name="participant_link"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/logo/", views.programme_logo, name="programme_logo"),
    path("programmes/<int:pk>/logo/image", views.programme_logo_image, name="programme_logo_image"),
    path("programmes/<int:pk>/archive/", views.programme_archive, name="programme_archive"),
    path("programmes/<int:pk>/delete/", views.programme_delete, name="programme_delete"),
    path("programmes/<int:pk>/export.zip", views.programme_export, name="programme_export"),
    path("programmes/<int:pk>/units/", views.units, name="units"),
    path("programmes/<int:pk>/units/<int:unit_id>/edit/", views.unit_edit, name="unit_edit"),
    path("programmes/<int:pk>/units/<int:unit_id>/delete/", views.unit_delete, name="unit_delete"),
    path("programmes/<int:pk>/participants/", views.participants, name="participants"),
    path(
        "programmes/<int:pk>/participants/import/",
        views.participant_import,
        name="participant_import",
    ),
    path(
        "programmes/<int:pk>/participants/import/confirm/",
        views.participant_import_confirm,
        name="participant_import_confirm",
    ),
    path(
        "programmes/<int:pk>/participants/links/",
        views.participant_links,
        name="participant_links",
    ),
    path(
        "programmes/<int:pk>/participants/<int:participant_id>/edit/",
        views.participant_edit,
        name="participant_edit",
    ),
    path(
        "programmes/<int:pk>/participants/<int:participant_id>/delete/",
        views.participant_delete,
        name="participant_delete",
    ),
    path("programmes/<int:pk>/managers/", views.managers, name="managers"),
    path(
        "programmes/<int:pk>/hand-over/",
        views.programme_hand_over,
        name="programme_hand_over",
    ),
    path(
        "programmes/<int:pk>/managers/<int:manager_id>/revoke/",
        views.manager_revoke,
        name="manager_revoke",
    ),
    path(
        "programmes/<int:pk>/invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("programmes/<int:pk>/audit/", views.audit_log, name="audit_log"),
]
