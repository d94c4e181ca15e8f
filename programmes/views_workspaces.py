"""A workspace's own pages: its members, invitations, ownership and log of changes.

Every member sees who is in the workspace; its owner invites, removes, hands ownership on and
reads the log. Someone outside the workspace gets 404 on every page, a member who is not its
owner 403 on the owner's actions. The rules themselves live in `programmes.workspaces`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from programmes import audit, workspaces
from programmes.forms import WorkspaceForm, WorkspaceInviteForm, WorkspaceSettingsForm
from programmes.htmx import posted
from programmes.models import AuditEntry, Membership, Workspace


def _membership(user, workspace_id: int) -> Membership:
    """The user's membership of the workspace, or 404."""
    membership = (
        Membership.objects.select_related("workspace")
        .filter(workspace_id=workspace_id, user=user, user__is_active=True)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def _owner(user, workspace_id: int) -> Membership:
    membership = _membership(user, workspace_id)
    if membership.role != Membership.Role.OWNER:
        raise PermissionDenied(_("Only the workspace's owner can do this."))
    return membership


def _page(
    request, membership: Membership, form=None, *, settings_form=None, status: int = 200
) -> HttpResponse:
    workspace = membership.workspace
    members = workspace.memberships.select_related("user").order_by(
        "-role", "user__first_name", "user__username"
    )
    is_owner = membership.role == Membership.Role.OWNER
    context = {
        "workspace": workspace,
        "membership": membership,
        "is_owner": is_owner,
        "members": members,
        "invitations": workspace.invitations.pending() if is_owner else (),
        "form": form or WorkspaceInviteForm(),
        "settings_form": settings_form or WorkspaceSettingsForm(instance=workspace),
    }
    return render(request, "programmes/workspace.html", context, status=status)


@require_GET
def workspace(request: HttpRequest, workspace_id: int) -> HttpResponse:
    return _page(request, _membership(request.user, workspace_id))


@require_http_methods(["GET", "POST"])
def workspace_create(request: HttpRequest) -> HttpResponse:
    """Any facilitator may start a workspace of their own (another consultancy, say) and owns
    it; a client's manager, who belongs to no workspace, may not."""
    if not request.user.memberships.exists():
        raise PermissionDenied(_("Only facilitators can create a workspace."))
    form = WorkspaceForm(posted(request))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            created = Workspace.objects.create(name=form.cleaned_data["name"])
            Membership.objects.create(
                workspace=created, user=request.user, role=Membership.Role.OWNER
            )
            audit.record(request, action="workspace.create", obj=created, workspace=created)
        messages.success(request, _("The workspace has been created. Invite your colleagues."))
        return redirect("workspace", created.pk)
    return render(
        request,
        "programmes/workspace_form.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@require_POST
def workspace_settings(request: HttpRequest, workspace_id: int) -> HttpResponse:
    """The workspace's name, and whether its clients' managers must use a second factor."""
    membership = _owner(request.user, workspace_id)
    form = WorkspaceSettingsForm(request.POST, instance=membership.workspace)
    if not form.is_valid():
        return _page(request, membership, settings_form=form, status=422)
    with transaction.atomic():
        form.save()
        audit.record(
            request,
            action="workspace.settings",
            obj=membership.workspace,
            workspace=membership.workspace,
            fields=form.changed_data,
        )
    messages.success(request, _("The workspace's settings have been saved."))
    return redirect("workspace", workspace_id)


@require_POST
def workspace_invite(request: HttpRequest, workspace_id: int) -> HttpResponse:
    membership = _owner(request.user, workspace_id)
    form = WorkspaceInviteForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                invitation = workspaces.invite(
                    workspace=membership.workspace,
                    email=form.cleaned_data["email"],
                    invited_by=request.user,
                )
                audit.record(
                    request,
                    action="workspace.invite",
                    obj=invitation,
                    workspace=membership.workspace,
                )
        except workspaces.WorkspaceError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                _("The invitation has been sent to %(email)s.") % {"email": invitation.email},
            )
            return redirect("workspace", workspace_id)
    return _page(request, membership, form, status=422)


@require_POST
def workspace_invitation_cancel(
    request: HttpRequest, workspace_id: int, invitation_id: int
) -> HttpResponse:
    membership = _owner(request.user, workspace_id)
    invitation = membership.workspace.invitations.filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    with transaction.atomic():
        audit.record(
            request,
            action="workspace.cancel_invitation",
            obj=invitation,
            workspace=membership.workspace,
        )
        invitation.delete()
    messages.success(request, _("The invitation has been withdrawn."))
    return redirect("workspace", workspace_id)


def _member(membership: Membership, member_id: int) -> Membership:
    member = membership.workspace.memberships.select_related("user").filter(pk=member_id).first()
    if member is None:
        raise Http404
    return member


@require_POST
def workspace_member_remove(
    request: HttpRequest, workspace_id: int, member_id: int
) -> HttpResponse:
    membership = _owner(request.user, workspace_id)
    member = _member(membership, member_id)
    try:
        with transaction.atomic():
            workspaces.remove(membership=member)
            audit.record(
                request,
                action="workspace.remove",
                obj=member.user,
                workspace=membership.workspace,
            )
    except workspaces.WorkspaceError as error:
        messages.error(request, str(error))
        return _page(request, membership, status=409)
    messages.success(
        request, _("%(name)s is no longer a member of the workspace.") % {"name": member.user}
    )
    return redirect("workspace", workspace_id)


@require_POST
def workspace_owner(request: HttpRequest, workspace_id: int, member_id: int) -> HttpResponse:
    membership = _owner(request.user, workspace_id)
    member = _member(membership, member_id)
    try:
        with transaction.atomic():
            workspaces.hand_over(workspace=membership.workspace, from_user=request.user, to=member)
            audit.record(
                request,
                action="workspace.owner",
                obj=member.user,
                workspace=membership.workspace,
            )
    except workspaces.WorkspaceError as error:
        messages.error(request, str(error))
        return _page(request, membership, status=409)
    messages.success(request, _("%(name)s is now the workspace's owner.") % {"name": member.user})
    return redirect("workspace", workspace_id)


@require_GET
def workspace_audit(request: HttpRequest, workspace_id: int) -> HttpResponse:
    """Who did what in the workspace and all its programmes: for its owner."""
    membership = _owner(request.user, workspace_id)
    entries = AuditEntry.objects.filter(workspace_id=workspace_id)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # annotated once, then shown
    audit.actor_names(page.object_list)
    return render(
        request,
        "programmes/workspace_audit.html",
        {"workspace": membership.workspace, "page": page},
    )
