"""Personal plans on the phone: /plan/ and its pages, reached by the plan key alone.

The plan key lives in a cookie of its own (`plan_key`, path /plan/, HttpOnly, SameSite
Strict, Secure outside local development): never in the session, a form or a URL. A page
that needs the plan reads the key from the cookie and opens the plan with it; without one
it sends the phone to /plan/, which offers to start a plan (in a programme this phone
belongs to) or to recover one with its code. No URL names a plan. The one secret in a URL
is a sparring share's code (route parameter `code`, masked in every log line by
programmes.logs); its pages send no Referer.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from actionplans import crypto, personal
from actionplans.forms_personal import (
    EraseForm,
    FeedbackForm,
    RecoverForm,
    ReflectionForm,
    initial_for,
    plan_form,
)
from actionplans.models import PersonalPlan
from programmes import ratelimit
from programmes.access import session_participant
from programmes.inputs import parse_id
from programmes.models import Programme, Unit
from programmes.participants import phone_language, render_participant
from programmes.qr import qr_svg
from seminars.models import Seat
from seminars.rooms import SEATS_SESSION_KEY

COOKIE_NAME = "plan_key"
COOKIE_MAX_AGE = 400 * 24 * 60 * 60  # the longest browsers keep a cookie

# A recovery code holds 160 bits, so guessing is hopeless; the limit keeps it so.
RECOVERY_CODE = ratelimit.Limit("plan-code", per_device=10, per_ip=100)
SHARE_CODE = ratelimit.Limit("plan-share", per_device=20, per_ip=100)


# --- Access: the phone's programme, and the plan its key opens -----------------------------


@dataclass(frozen=True)
class PlanContext:
    """Where a new plan belongs: the programme (and unit) this phone takes part in."""

    programme: Programme
    unit: Unit | None


def plan_context(request: HttpRequest) -> PlanContext | None:
    """The personal link's programme, else that of the room this phone entered last."""
    participant = session_participant(request)
    if participant is not None:
        return PlanContext(participant.programme, participant.unit)
    seats = request.session.get(SEATS_SESSION_KEY, {})
    for seminar_id, key in reversed(list(seats.items())):
        seat = (
            Seat.objects.select_related("seminar__programme", "unit")
            .filter(seminar_id=parse_id(str(seminar_id)), key=key)
            .first()
        )
        if seat is not None:
            return PlanContext(seat.seminar.programme, seat.unit)
    return None


def cookie_key(request: HttpRequest) -> bytes | None:
    """The plan key this phone keeps, if it keeps one."""
    return crypto.parse_key(request.COOKIES.get(COOKIE_NAME, ""))


def own_plan(request: HttpRequest) -> tuple[bytes, personal.OpenPlan] | None:
    """The key and the plan it opens, or None (no key, or it opens nothing)."""
    key = cookie_key(request)
    opened = personal.open_plan(key=key) if key is not None else None
    return (key, opened) if opened is not None else None


def keep_key(request: HttpRequest, response: HttpResponse, key: bytes) -> HttpResponse:
    response.set_cookie(
        COOKIE_NAME,
        crypto.key_text(key),
        max_age=COOKIE_MAX_AGE,
        path=reverse("plan_home"),
        secure=request.is_secure() or not settings.DEBUG,
        httponly=True,
        samesite="Strict",
    )
    return response


def drop_key(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(COOKIE_NAME, path=reverse("plan_home"), samesite="Strict")
    return response


# --- Rendering ----------------------------------------------------------------------------


def _language(request: HttpRequest, programme: Programme | None) -> str | None:
    return phone_language(request, default=programme.language) if programme else None


def _page(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    programme: Programme | None,
    status: int = 200,
) -> HttpResponse:
    return render_participant(
        request,
        f"actionplans/personal/{template}",
        context,
        status=status,
        language=_language(request, programme),
    )


def plan_rows(kind: str, fields: personal.Fields) -> list[list[tuple[str, str]]]:
    """A plan's fields as labelled rows: one row for a plan, one per schema row."""
    if kind == PersonalPlan.Kind.SCHEMA:
        return [
            [(str(label), row.get(name, "")) for name, label in personal.SCHEMA_COLUMNS]
            for row in fields.get("rows", [])
        ]
    return [[(str(label), fields.get(name, "")) for name, label in personal.PLAN_FIELDS]]


def entry_rows(entries: list[personal.Entry], names: tuple) -> list[tuple]:
    return [
        (entry.on, [(str(label), entry.fields.get(name, "")) for name, label in names])
        for entry in entries
    ]


def _refused(
    request: HttpRequest, refused: personal.PlanError, programme: Programme | None
) -> HttpResponse:
    context = {"message": refused.message}
    return _page(request, "refused.html", context, programme=programme, status=refused.status)


def _posted(request: HttpRequest):
    """The form data of a POST (even an empty one, which must fail validation), else None."""
    return request.POST if request.method == "POST" else None


def _no_plan() -> HttpResponse:
    return redirect("plan_home")


# --- The owner's pages --------------------------------------------------------------------


@login_not_required
@require_GET
def plan_home(request: HttpRequest) -> HttpResponse:
    """The phone's plan (by its key), else where to start one or recover one."""
    owned = own_plan(request)
    if owned is not None:
        key, opened = owned
        context = {
            "opened": opened,
            "rows": plan_rows(opened.kind, opened.fields),
            "reflections": entry_rows(personal.reflections(key=key), personal.REFLECTION_FIELDS),
            "feedback": entry_rows(personal.feedback(key=key), personal.FEEDBACK_FIELDS),
            "archived": opened.programme.is_archived,
            "schema": opened.kind == PersonalPlan.Kind.SCHEMA,
        }
        return _page(request, "home.html", context, programme=opened.programme)
    found = plan_context(request)
    context = {
        "found": found,
        "schema": found is not None
        and personal.kind_for(found.programme) == PersonalPlan.Kind.SCHEMA,
        # SameSite=Strict: a link from another site (an e-mail) arrives without the cookie.
        "from_elsewhere": request.headers.get("Sec-Fetch-Site") == "cross-site",
    }
    response = _page(request, "landing.html", context, programme=found.programme if found else None)
    # A key that opens nothing (the plan was erased on another phone) is dropped.
    return drop_key(response) if request.COOKIES.get(COOKIE_NAME) else response


@login_not_required
@require_http_methods(["GET", "POST"])
def plan_start(request: HttpRequest) -> HttpResponse:
    """Warn in plain words, then write the plan; the recovery code is shown once, here."""
    if own_plan(request) is not None:
        return redirect("plan_home")  # a resent form makes no second plan
    found = plan_context(request)
    if found is None:
        return _no_plan()
    programme = found.programme
    kind = personal.kind_for(programme)
    form = plan_form(kind, _posted(request))
    page = {"form": form, "schema": kind == PersonalPlan.Kind.SCHEMA, "programme": programme}
    if programme.is_archived:
        return _page(
            request, "start.html", {**page, "archived": True}, programme=programme, status=410
        )
    if request.method == "GET" or not form.is_valid():
        status = 422 if form.errors else 200
        return _page(request, "start.html", page, programme=programme, status=status)
    # The key exists only in this reply: the plan is committed after its page is made, so a
    # fault while making it leaves no plan that nobody can open.
    with transaction.atomic():
        _plan, key = personal.create_plan(
            programme=programme, unit=found.unit, fields=form.plan_fields
        )
        code = crypto.recovery_code(key)
        context = {"groups": code.split("-"), "qr": qr_svg(code, scale=5)}
        page = _page(request, "created.html", context, programme=programme)
    return keep_key(request, page, key)


@login_not_required
@require_http_methods(["GET", "POST"])
def plan_recover(request: HttpRequest) -> HttpResponse:
    """Open a plan on this phone with its recovery code."""
    form = RecoverForm(_posted(request))
    if request.method == "GET" or not form.is_valid():
        status = 422 if form.errors else 200
        return _page(request, "recover.html", {"form": form}, programme=None, status=status)
    if ratelimit.standing(request, RECOVERY_CODE) is ratelimit.Standing.REFUSED:
        return render_participant(request, "429.html", status=429)
    key = crypto.parse_key(form.cleaned_data["code"])
    opened = personal.open_plan(key=key) if key is not None else None
    if opened is None:
        ratelimit.record_failure(request, RECOVERY_CODE)
        context = {"form": RecoverForm(), "wrong": True}
        return _page(request, "recover.html", context, programme=None, status=404)
    messages.success(request, _("Your plan is open on this phone."))
    return keep_key(request, redirect("plan_home"), key)


@login_not_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest) -> HttpResponse:
    """Change the plan; a save from a phone that is behind shows both texts."""
    owned = own_plan(request)
    if owned is None:
        return _no_plan()
    key, opened = owned
    programme = opened.programme
    initial = initial_for(opened.kind, opened.fields, opened.version)
    form = plan_form(opened.kind, _posted(request), initial=initial)
    page = {"form": form, "schema": opened.kind == PersonalPlan.Kind.SCHEMA}
    if programme.is_archived:
        error = personal.PlanArchived.message
        return _page(
            request, "edit.html", {**page, "error": error}, programme=programme, status=410
        )
    if request.method == "GET" or not form.is_valid():
        status = 422 if form.errors else 200
        return _page(request, "edit.html", page, programme=programme, status=status)
    version = form.cleaned_data.get("version") or 0
    try:
        personal.save_plan(key=key, fields=form.plan_fields, version=version)
    except personal.PlanStale as stale:
        data = {**request.POST.dict(), "version": stale.version}
        context = {
            "form": plan_form(opened.kind, initial=data),
            "schema": page["schema"],
            "error": stale.message,
            "theirs": plan_rows(opened.kind, stale.theirs),
        }
        return _page(request, "edit.html", context, programme=programme, status=409)
    except personal.PlanError as refused:
        return _page(
            request,
            "edit.html",
            {**page, "error": refused.message},
            programme=programme,
            status=refused.status,
        )
    messages.success(request, _("Your plan has been saved."))
    return redirect("plan_home")


@login_not_required
@require_http_methods(["GET", "POST"])
def plan_reflect(request: HttpRequest) -> HttpResponse:
    """Write a reflection on the plan: what was tried, what happens next."""
    owned = own_plan(request)
    if owned is None:
        return _no_plan()
    key, opened = owned
    programme = opened.programme
    form = ReflectionForm(_posted(request))
    if programme.is_archived:
        page = {"form": form, "error": personal.PlanArchived.message}
        return _page(request, "reflect.html", page, programme=programme, status=410)
    if request.method == "GET" or not form.is_valid():
        status = 422 if form.errors else 200
        return _page(request, "reflect.html", {"form": form}, programme=programme, status=status)
    personal.add_reflection(key=key, fields=form.texts)
    messages.success(request, _("Your reflection has been saved."))
    return redirect("plan_home")


@login_not_required
@require_http_methods(["GET", "POST"])
def plan_share(request: HttpRequest) -> HttpResponse:
    """Make a share code for one colleague's feedback, shown as a QR code."""
    owned = own_plan(request)
    if owned is None:
        return _no_plan()
    key, opened = owned
    programme = opened.programme
    if programme.is_archived:
        return _refused(request, personal.PlanArchived(), programme)
    if request.method == "GET":
        return _page(request, "share.html", {}, programme=programme)
    share, code = personal.create_share(key=key)
    url = request.build_absolute_uri(reverse("plan_shared", args=[code]))
    context = {"url": url, "qr": qr_svg(url, scale=5), "expires_at": share.expires_at}
    response = _page(request, "share.html", context, programme=programme)
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_not_required
@require_GET
def plan_download(request: HttpRequest) -> HttpResponse:
    """The plan, its reflections and feedback as a plain-text file for the owner."""
    owned = own_plan(request)
    if owned is None:
        return _no_plan()
    key, opened = owned
    context = {
        "opened": opened,
        "rows": plan_rows(opened.kind, opened.fields),
        "reflections": entry_rows(personal.reflections(key=key), personal.REFLECTION_FIELDS),
        "feedback": entry_rows(personal.feedback(key=key), personal.FEEDBACK_FIELDS),
        "schema": opened.kind == PersonalPlan.Kind.SCHEMA,
    }
    text = render_to_string("actionplans/personal/download.txt", context, request=request)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="personal-plan.txt"'
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
def plan_erase(request: HttpRequest) -> HttpResponse:
    """Erase the plan for good, with its reflections and feedback; only its key can."""
    owned = own_plan(request)
    if owned is None:
        return _no_plan()
    key, opened = owned
    form = EraseForm(_posted(request))
    if request.method == "GET" or not form.is_valid():
        status = 422 if form.errors else 200
        return _page(
            request, "erase.html", {"form": form}, programme=opened.programme, status=status
        )
    personal.erase_plan(key=key)
    response = _page(request, "erase.html", {"erased": True}, programme=opened.programme)
    return drop_key(response)


@login_not_required
@require_http_methods(["GET", "POST"])
def plan_forget(request: HttpRequest) -> HttpResponse:
    """Remove the key from this phone; the plan stays, reachable with the recovery code."""
    if not request.COOKIES.get(COOKIE_NAME):
        return _no_plan()
    if request.method == "GET":
        owned = own_plan(request)
        programme = owned[1].programme if owned else None
        return _page(request, "forget.html", {}, programme=programme)
    messages.success(request, _("The key has been removed from this phone."))
    return drop_key(redirect("plan_home"))


# --- A colleague's page -------------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
@ratelimit.answers_too_many_attempts
def plan_shared(request: HttpRequest, code: str) -> HttpResponse:
    """A colleague reads the shared plan and gives feedback once: what works, one suggestion."""
    response = _shared(request, code)
    response["Referrer-Policy"] = "no-referrer"  # the code is in this page's address
    return response


def _shared(request: HttpRequest, code: str) -> HttpResponse:
    own_key = cookie_key(request)
    try:
        shared = personal.read_share(code=code, own_key=own_key)
    except personal.ShareUnknown as refused:
        ratelimit.count_unknown_token(request, SHARE_CODE)
        return _refused(request, refused, None)
    except personal.PlanError as refused:
        return _refused(request, refused, None)
    programme = shared.programme
    form = FeedbackForm(_posted(request))
    page = {
        "shared": shared,
        "rows": plan_rows(shared.kind, shared.fields),
        "schema": shared.kind == PersonalPlan.Kind.SCHEMA,
        "form": form,
    }
    if programme.is_archived:
        return _refused(request, personal.PlanArchived(), programme)
    if request.method == "GET" or not form.is_valid():
        status = 422 if form.errors else 200
        return _page(request, "shared.html", page, programme=programme, status=status)
    try:
        personal.give_feedback(code=code, fields=form.texts, own_key=own_key)
    except personal.PlanError as refused:
        return _refused(request, refused, programme)
    return _page(request, "shared.html", {"given": True}, programme=programme)
