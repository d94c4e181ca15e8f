"""Accepting an e-mailed invitation: a manager's (one programme) or a facilitator's (a
workspace). One flow for both.

The link's first GET moves its token into the session and redirects to a token-free
address, as personal links do, so the token never reaches a Referer header, the history's
later pages or a log line of the pages that follow (QUALITY T-2). An unknown, used or expired
token counts as a failed attempt (429 past the limit) and gets the same 404 as any other.

On the token-free page: someone without an account chooses a name and password; someone
with an account for the invited address logs in first (the token survives the login, which
keeps the session's data) and confirms; anyone else logged in is asked to log in as the
invited address. Accepting uses the invitation once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from programmes import access, audit, ratelimit, security_log, services, workspaces
from programmes.forms import AcceptInvitationForm
from programmes.models import User, WorkspaceInvitation, hash_token


def _pending_workspace_invitation(token: str) -> WorkspaceInvitation:
    invitation = (
        WorkspaceInvitation.objects.pending()
        .select_related("workspace")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


@dataclass(frozen=True)
class Kind:
    find: Callable  # token -> a pending invitation, or Http404
    accept: Callable  # (invitation, user) -> None
    accept_new: Callable  # (invitation, first_name, last_name, password) -> User
    record: Callable  # (request, invitation) -> None: the audit row
    done: Callable  # invitation -> the URL to go on to
    welcome: str


KINDS = {
    "manager": Kind(
        find=access.get_usable_invitation,
        accept=lambda invitation, user: services.accept_invitation(
            invitation=invitation, user=user
        ),
        accept_new=lambda invitation, **fields: services.accept_invitation_as_new_user(
            invitation=invitation, **fields
        ),
        record=lambda request, invitation: audit.record(
            request,
            action=f"{invitation.role}.accept",
            obj=invitation,
            programme=invitation.programme,
            role=invitation.role,
        ),
        done=lambda invitation: reverse("programme_detail", args=[invitation.programme_id]),
        welcome=gettext_lazy("Welcome. You can now follow the programme."),
    ),
    "workspace": Kind(
        find=_pending_workspace_invitation,
        accept=lambda invitation, user: workspaces.accept(invitation=invitation, user=user),
        accept_new=lambda invitation, **fields: workspaces.accept_as_new_user(
            invitation=invitation, **fields
        ),
        record=lambda request, invitation: audit.record(
            request,
            action="workspace.join",
            obj=invitation,
            workspace=invitation.workspace,
        ),
        done=lambda invitation: reverse("workspace", args=[invitation.workspace_id]),
        welcome=gettext_lazy("Welcome to the workspace. Its programmes are on your front page."),
    ),
}


def _session_key(kind: str) -> str:
    return f"invitation:{kind}"


@login_not_required
@require_GET
@ratelimit.answers_too_many_attempts
def link(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    """The e-mailed link: keep the token in the session, then show a token-free address."""
    try:
        KINDS[kind].find(token[:100])
    except Http404:
        ratelimit.count_unknown_token(request, ratelimit.LINK_TOKEN)  # unknown, used or expired
        raise
    request.session[_session_key(kind)] = token[:100]
    response = HttpResponseRedirect(reverse(f"{kind}_invitation_continue"))
    response["Referrer-Policy"] = "no-referrer"  # the token is in this URL
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, kind: str) -> HttpResponse:
    """Accept the invitation whose token the session holds."""
    flow = KINDS[kind]
    token = request.session.get(_session_key(kind))
    if not token:
        raise Http404
    invitation = flow.find(token)  # used or expired meanwhile: 404
    context = {"invitation": invitation, "kind": kind}
    existing = services.existing_user_for(invitation.email)
    if existing is not None:
        if request.user.is_authenticated and request.user.pk == existing.pk:
            if request.method == "POST":
                with transaction.atomic():
                    flow.accept(invitation, request.user)
                    flow.record(request, invitation)
                return _accepted(request, kind, invitation)
            return render(
                request, "programmes/invitation_accept.html", {**context, "mode": "confirm"}
            )
        context |= {"mode": "login", "login_url": f"{reverse('login')}?next={request.path}"}
        return render(request, "programmes/invitation_accept.html", context)
    # Bound on every POST, an empty one too: `request.POST or None` showed an empty POST the
    # blank form again, with no word of what was missing.
    posted = request.POST if request.method == "POST" else None
    form = AcceptInvitationForm(User(username=invitation.email, email=invitation.email), posted)
    if form.is_bound and form.is_valid():
        # Logged in before the audit row is written, so that the row names the new account.
        with transaction.atomic():
            user = flow.accept_new(
                invitation,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["new_password1"],
            )
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            flow.record(request, invitation)
        security_log.record(request, security_log.LOGIN_SUCCESS, user=user, via="invitation")
        return _accepted(request, kind, invitation)
    return render(
        request,
        "programmes/invitation_accept.html",
        {**context, "mode": "create", "form": form},
        status=422 if form.errors else 200,
    )


def _accepted(request: HttpRequest, kind: str, invitation) -> HttpResponse:
    """After the invitation and its audit row are stored, in one transaction."""
    flow = KINDS[kind]
    request.session.pop(_session_key(kind), None)
    messages.success(request, str(flow.welcome))
    return redirect(flow.done(invitation))
