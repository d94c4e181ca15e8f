"""Views for facilitators setting up a programme, managers following one, and health."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from programmes import audit, deletion, ratelimit, retention, security_log, services
from programmes.access import (
    PARTICIPANT_SESSION_KEY,
    get_invitation,
    get_manager,
    get_participant,
    get_programme_access,
    get_programme_for_names,
    get_programme_for_people,
    get_programme_for_workspace,
    get_unit,
    workspaces_for_facilitator,
)
from programmes.forms import (
    LogoForm,
    ManagerInviteForm,
    ParticipantForm,
    ParticipantImportForm,
    ProgrammeCreateForm,
    ProgrammeForm,
    UnitForm,
)
from programmes.htmx import posted, render_page, uploaded
from programmes.inputs import parse_id
from programmes.models import (
    AuditEntry,
    ClientRole,
    Participant,
    ParticipantImport,
    Programme,
    ProgrammeLogo,
    ProgrammeManager,
    hash_token,
)
from programmes.participant_csv import parse_participants
from programmes.qr import qr_svg

PARTICIPANTS_PER_PAGE = 50


# --- Health and errors ---------------------------------------------------------------


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 after a database round trip; 503 when the database does not answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    security_log.record(request, security_log.CSRF_FAILURE, user=user, reason=reason)
    return render(request, "403_csrf.html", status=403)


# --- Home ----------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A facilitator's programmes, or the programmes a manager follows."""
    workspaces = workspaces_for_facilitator(request.user)
    programmes = (
        Programme.objects.for_facilitator(request.user).select_related("workspace").with_counts()
    )
    managed = (
        ProgrammeManager.objects.filter(user=request.user)
        .select_related("programme", "unit")
        .order_by("programme__title")
    )
    cofacilitated = [row for row in managed if row.is_cofacilitator]
    return render(
        request,
        "programmes/home.html",
        {
            "workspaces": workspaces,
            "active": [p for p in programmes if not p.is_archived],
            "archived": [p for p in programmes if p.is_archived],
            "cofacilitated": cofacilitated,
            "managed": [row for row in managed if not row.is_cofacilitator],
        },
    )


# --- Programme -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def programme_create(request: HttpRequest) -> HttpResponse:
    workspaces = workspaces_for_facilitator(request.user)
    if not workspaces:
        return render(request, "programmes/no_workspace.html", status=404)
    form = ProgrammeCreateForm(posted(request), workspaces=workspaces)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        workspace = data.pop("workspace")
        with transaction.atomic():
            programme = services.create_programme(workspace=workspace, **data)
            audit.record(request, action="programme.create", obj=programme, programme=programme)
        messages.success(request, _("The programme has been created. Next, add its units."))
        return redirect("programme_detail", programme.pk)
    status = 422 if form.errors else 200
    return render(request, "programmes/programme_form.html", {"form": form}, status=status)


@require_GET
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = get_programme_access(request.user, pk)
    programme = access.programme
    if not access.is_facilitator:
        units = access.visible_nodes(programme.unit_tree())
        return render(
            request,
            "programmes/programme_manager.html",
            {
                "programme": programme,
                "access": access,
                "units": units,
                "seminars": programme.seminars.all(),
            },
        )
    participants_qs = programme.participants.all()
    # `access` decides which of the page's links a co-facilitator gets (access.py's table).
    counts = {
        "units": programme.units.count(),
        "participants": participants_qs.count(),
        "links": participants_qs.filter(link_issued_at__isnull=False).count(),
        "managers": programme.managers.count(),
        # Rounds are the surveys app's; the reverse accessor needs no import of it.
        "rounds": programme.rounds.count(),
    }
    return render(
        request,
        "programmes/programme_detail.html",
        {
            "programme": programme,
            "access": access,
            "counts": counts,
            "seminars": programme.seminars.all(),
            "next_step": _next_step(programme, counts) if access.is_consultant else None,
        },
    )


def _next_step(programme: Programme, counts: dict) -> dict | None:
    """What a new facilitator should do next, in order."""
    if not counts["units"]:
        return {
            "text": _("Add the client’s units: teams, departments or schools."),
            "url": reverse("units", args=[programme.pk]),
            "label": _("Add units"),
        }
    if not counts["participants"]:
        return {
            "text": _("Add participants one by one or import a list from a spreadsheet."),
            "url": reverse("participants", args=[programme.pk]),
            "label": _("Add participants"),
        }
    if not counts["links"]:
        return {
            "text": _("Issue personal links so participants can join from their phones."),
            "url": reverse("participants", args=[programme.pk]),
            "label": _("Issue links"),
        }
    if not counts["rounds"]:
        return {
            "text": _("Create the baseline survey round for the first seminar."),
            "url": reverse("rounds", args=[programme.pk]),
            "label": _("Create a survey round"),
        }
    if not counts["managers"]:
        return {
            "text": _("Invite the client’s managers to follow the results."),
            "url": reverse("managers", args=[programme.pk]),
            "label": _("Invite managers"),
        }
    return None


@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_workspace(request.user, pk)
    form = ProgrammeForm(posted(request), instance=programme)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit.record(
                request,
                action="programme.edit",
                obj=programme,
                programme=programme,
                fields=form.changed_data,
            )
        messages.success(request, _("The programme has been saved."))
        return redirect("programme_detail", programme.pk)
    return _programme_form_page(request, programme, form, LogoForm())


def _programme_form_page(
    request, programme, form, logo_form, *, status: int | None = None, error: str = ""
) -> HttpResponse:
    """The programme's settings page with its logo for the report (422 on either's errors)."""
    logo = ProgrammeLogo.objects.filter(programme=programme).only("uploaded_at").first()
    context = {
        "form": form,
        "programme": programme,
        "logo_form": logo_form,
        "logo": logo,
        "logo_error": error,
        "retention_end": retention.retention_end(programme),
    }
    if status is None:
        status = 422 if form.errors or logo_form.errors else 200
    return render(request, "programmes/programme_form.html", context, status=status)


@require_POST
def programme_logo(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload (or with `remove`, remove) the logo on the report's cover. The file is checked
    and stored as `programmes.logo.clean` makes it; a refused file leaves the old logo."""
    programme = get_programme_for_workspace(request.user, pk)
    if "remove" in request.POST:
        with transaction.atomic():
            removed = services.remove_logo(programme=programme)
            if removed:
                audit.record(request, action="programme.logo_remove", programme=programme)
        if removed:
            messages.success(request, _("The logo has been removed."))
        return redirect("programme_edit", programme.pk)
    # A body far over the limit is refused before it is read into a temporary file.
    if int(request.META.get("CONTENT_LENGTH") or 0) > 2 * settings.LOGO_MAX_BYTES:
        message = _("The file is too large. A logo may be at most 1 MB; save it smaller.")
        form = ProgrammeForm(instance=programme)
        return _programme_form_page(request, programme, form, LogoForm(), status=413, error=message)
    logo_form = LogoForm(request.POST, request.FILES)
    if not logo_form.is_valid():
        return _programme_form_page(
            request, programme, ProgrammeForm(instance=programme), logo_form
        )
    with transaction.atomic():
        services.set_logo(programme=programme, logo=logo_form.cleaned_data["logo"])
        audit.record(request, action="programme.logo", programme=programme)
    messages.success(request, _("The logo has been saved. It is printed on the report's cover."))
    return redirect("programme_edit", programme.pk)


@require_GET
def programme_logo_image(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored logo, for the settings page's preview. Sent with a policy that runs and
    loads nothing, so even an SVG opened on its own is only a picture."""
    programme = get_programme_for_workspace(request.user, pk)
    logo = ProgrammeLogo.objects.filter(programme=programme).first()
    if logo is None:
        raise Http404
    response = HttpResponse(bytes(logo.content), content_type=logo.content_type)
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; sandbox"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def programme_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then delete the programme with everything in it (typed title to confirm).

    It is gone from every page and link at once; its rows are removed in batches, for a few
    seconds now and the rest by the daily retention run.
    """
    programme = get_programme_for_workspace(request.user, pk)
    if request.method == "POST" and request.POST.get("confirm") == programme.title:
        with transaction.atomic():
            audit.record(request, action="programme.delete", obj=programme, programme=programme)
            deletion.mark_deleted(programme=programme)
        done = deletion.purge(programme.pk, budget=PURGE_SECONDS)
        if done:
            messages.success(request, _("The programme and all its data have been deleted."))
        else:
            messages.success(
                request,
                _(
                    "The programme has been deleted. The last of its data is removed from the "
                    "database within a day."
                ),
            )
        return redirect("home")
    return render(
        request,
        "programmes/programme_delete.html",
        {"programme": programme, "counts": deletion.contents(programme)},
        status=422 if request.method == "POST" else 200,
    )


PURGE_SECONDS = 5  # of a delete's request; the daily run does the rest


@require_POST
def programme_archive(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_workspace(request.user, pk)
    archive = request.POST.get("archive") != "0"
    with transaction.atomic():
        services.set_archived(programme=programme, archived=archive)
        audit.record(
            request,
            action="programme.archive" if archive else "programme.restore",
            obj=programme,
            programme=programme,
        )
    if archive:
        messages.success(request, _("The programme has been archived."))
    else:
        messages.success(request, _("The programme is active again."))
    return redirect("programme_detail", programme.pk)


# --- Units ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def units(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit tree, with a form to add a unit."""
    programme = get_programme_for_workspace(request.user, pk)
    tree = programme.unit_tree()
    form = UnitForm(posted(request), programme=programme, tree=tree)
    if request.method == "POST":
        if form.is_valid():
            unit = form.save(commit=False)
            unit.programme = programme
            with transaction.atomic():
                unit.save()
                audit.record(request, action="unit.create", obj=unit, programme=programme)
            if not request.htmx:
                messages.success(request, _("“%(unit)s” has been added.") % {"unit": unit})
                return redirect("units", programme.pk)
            tree = programme.unit_tree()
            form = UnitForm(programme=programme, tree=tree)
        else:
            response = _units_page(request, programme, tree, form, partial="unit-add", status=422)
            return retarget(response, "#unit-add") if request.htmx else response
    return _units_page(request, programme, tree, form, partial="units-panel")


def _units_page(request, programme, tree, form, *, partial: str, status: int = 200):
    counts = dict(programme.units.annotate(n=Count("participants")).values_list("pk", "n"))
    nodes = [(node, counts.get(node.id, 0)) for node in tree.walk()]
    return render_page(
        request,
        "programmes/units.html",
        {"programme": programme, "nodes": nodes, "form": form},
        partial=partial,
        status=status,
    )


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def unit_edit(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    """Rename or move a unit: inline with htmx, or as its own page without JavaScript."""
    programme = get_programme_for_workspace(request.user, pk)
    unit = get_unit(programme, unit_id)
    tree = programme.unit_tree()
    form = UnitForm(
        posted(request),
        instance=unit,
        programme=programme,
        tree=tree,
        auto_id=f"id_unit{unit.pk}_%s",  # unique beside the add form on the same page
    )
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                form.save()
                audit.record(
                    request,
                    action="unit.edit",
                    obj=unit,
                    programme=programme,
                    fields=form.changed_data,
                )
            if request.htmx:
                tree = programme.unit_tree()
                response = _units_page(
                    request,
                    programme,
                    tree,
                    UnitForm(programme=programme, tree=tree),
                    partial="units-panel",
                )
                return reswap(retarget(response, "#units-panel"), "outerHTML")
            messages.success(request, _("“%(unit)s” has been saved.") % {"unit": unit})
            return redirect("units", programme.pk)
        status = 422
    else:
        status = 200
    return render_page(
        request,
        "programmes/unit_edit.html",
        {"programme": programme, "unit": unit, "form": form},
        partial="unit-form",
        status=status,
    )


@require_POST
def unit_delete(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    programme = get_programme_for_workspace(request.user, pk)
    unit = get_unit(programme, unit_id)
    try:
        with transaction.atomic():
            services.delete_unit(unit=unit)
            audit.record(
                request, action="unit.delete", obj=unit, object_id=unit_id, programme=programme
            )
    except services.ServiceError as error:
        messages.error(request, str(error))
        if request.htmx:
            return HttpResponseClientRedirect(reverse("units", args=[programme.pk]))
        return redirect("units", programme.pk)
    messages.success(request, _("The unit has been deleted."))
    if request.htmx:
        return HttpResponseClientRedirect(reverse("units", args=[programme.pk]))
    return redirect("units", programme.pk)


# --- Participants --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant list, searchable and paged, with a form to add one."""
    programme = get_programme_for_names(request.user, pk)
    tree = programme.unit_tree()
    form = ParticipantForm(posted(request), programme=programme, tree=tree)
    if request.method == "POST" and form.is_valid():
        participant = form.save(commit=False)
        participant.programme = programme
        with transaction.atomic():
            participant.save()
            audit.record(request, action="participant.create", obj=participant, programme=programme)
        messages.success(request, _("The participant has been added."))
        return redirect("participants", programme.pk)
    query = request.GET.get("q", "").strip()[:100]
    rows = Participant.objects.filter(programme=programme).select_related("unit")
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(email__icontains=query))
    page = Paginator(rows, PARTICIPANTS_PER_PAGE).get_page(request.GET.get("page"))
    paths = {node.id: tree.path(node.id) for node in tree.walk()}
    return render(
        request,
        "programmes/participants.html",
        {
            "programme": programme,
            "form": form,
            "page": page,
            "rows": [(p, paths.get(p.unit_id, "")) for p in page],
            "query": query,
            "has_units": bool(paths),
            "total": Participant.objects.filter(programme=programme).count(),
        },
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def participant_edit(request: HttpRequest, pk: int, participant_id: int) -> HttpResponse:
    programme = get_programme_for_names(request.user, pk)
    participant = get_participant(programme, participant_id)
    form = ParticipantForm(
        posted(request),
        instance=participant,
        programme=programme,
        tree=programme.unit_tree(),
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit.record(
                request,
                action="participant.edit",
                obj=participant,
                programme=programme,
                fields=form.changed_data,
            )
        messages.success(request, _("The participant has been saved."))
        return redirect("participants", programme.pk)
    return render(
        request,
        "programmes/participant_edit.html",
        {"programme": programme, "participant": participant, "form": form},
        status=422 if form.errors else 200,
    )


@require_POST
def participant_delete(request: HttpRequest, pk: int, participant_id: int) -> HttpResponse:
    programme = get_programme_for_names(request.user, pk)
    participant = get_participant(programme, participant_id)
    with transaction.atomic():  # name, e-mail, link, participations and reminders at once
        audit.record(request, action="participant.delete", obj=participant, programme=programme)
        participant.delete()
    messages.success(
        request,
        _(
            "The participant has been deleted: name, e-mail address, link and the record of "
            "their participation. Their anonymous answers stay in the results."
        ),
    )
    return redirect("participants", programme.pk)


@require_http_methods(["GET", "POST"])
def participant_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a CSV file and see every row checked before anything is saved."""
    programme = get_programme_for_names(request.user, pk)
    form = ParticipantImportForm(
        posted(request),
        uploaded(request),
    )
    context = {"programme": programme, "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = parse_participants(
            upload.read(),
            tree=programme.unit_tree(),
            existing_emails={
                e.casefold()
                for e in programme.participants.exclude(email="").values_list("email", flat=True)
            },
            max_bytes=settings.PARTICIPANT_CSV_MAX_BYTES,
            max_rows=settings.PARTICIPANT_CSV_MAX_ROWS,
        )
        context["result"] = result
        if result.ok:
            # The checked rows are kept until the facilitator confirms them: personal data
            # is stored, so the upload is audited as the import is.
            with transaction.atomic():
                staged = services.stage_import(
                    programme=programme, user=request.user, filename=upload.name, result=result
                )
                audit.record(request, action="participant.upload", programme=programme)
            tree = programme.unit_tree()
            context["staged"] = staged
            context["preview"] = [
                (row, tree.path(row.unit_id)) for row in result.rows[:PARTICIPANTS_PER_PAGE]
            ]
            return render(request, "programmes/participant_import.html", context)
        return render(request, "programmes/participant_import.html", context, status=422)
    return render(
        request,
        "programmes/participant_import.html",
        context,
        status=422 if form.errors else 200,
    )


@require_POST
def participant_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_names(request.user, pk)
    staged_id = parse_id(request.POST.get("staged"))
    staged = (
        ParticipantImport.objects.filter(
            programme=programme, created_by=request.user, pk=staged_id
        ).first()
        if staged_id is not None
        else None
    )
    if staged is None:
        messages.error(request, _("This import has expired. Upload the file again."))
        return redirect("participant_import", programme.pk)
    try:
        with transaction.atomic():  # the participants and their audit row, or neither
            count = services.confirm_import(staged=staged)
            audit.record(
                request,
                action="participant.import",
                programme=programme,
                counts={"participants": count},
            )
    except services.ServiceError as error:
        messages.error(request, str(error))
        return redirect("participant_import", programme.pk)
    messages.success(
        request,
        ngettext(
            "%(count)s participant has been imported.",
            "%(count)s participants have been imported.",
            count,
        )
        % {"count": count},
    )
    return redirect("participants", programme.pk)


SLIPS_PER_SHEET = 8  # 2 columns x 4 rows on A4, as static/css/print.css lays them out
TOKEN_GROUP = 5  # characters per group when a link is printed for typing


@dataclass(frozen=True)
class LinkSlip:
    """What one printed slip shows: who it is for, and their link for scanning and typing."""

    name: str
    unit: str
    url: str
    base: str  # the link up to the token, e.g. "https://example.org/p/"
    groups: list[str]  # the token (and the closing slash) in groups of TOKEN_GROUP
    qr: SafeString


def _link_slips(programme: Programme, links: list[services.IssuedLink]) -> list[list[LinkSlip]]:
    """The issued links as slips, ordered by unit and name, in sheets of SLIPS_PER_SHEET."""
    tree = programme.unit_tree()
    with translation.override(programme.language):  # the slips' language, as in the PDF
        alternative = _("QR code of the personal link")
    slips = []
    for link in links:
        base, token = link.url.rstrip("/").rsplit("/", 1)
        typed = token + "/"
        slips.append(
            LinkSlip(
                name=link.participant.name or link.participant.email,
                unit=tree.path(link.participant.unit_id),
                url=link.url,
                base=base + "/",
                groups=[typed[i : i + TOKEN_GROUP] for i in range(0, len(typed), TOKEN_GROUP)],
                qr=qr_svg(link.url, border=0, svgclass="slip-qr-code", title=alternative),
            )
        )
    slips.sort(key=lambda slip: (slip.unit.casefold(), slip.name.casefold()))
    return [slips[i : i + SLIPS_PER_SHEET] for i in range(0, len(slips), SLIPS_PER_SHEET)]


def _link_slips_pdf(programme: Programme, sheets: list[list[LinkSlip]]) -> HttpResponse:
    """The slips as an A4 PDF in the programme's language, for the participants."""
    from programmes.pdf import pdf_response, render_pdf  # WeasyPrint loads only when used

    with translation.override(programme.language):
        html = render_to_string("pdf/link_slips.html", {"programme": programme, "sheets": sheets})
        stem = f"{_('personal links')} {programme.title}"
    return pdf_response(render_pdf(html), filename_stem=stem)


@require_POST
def participant_links(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue new personal links (voiding old ones) and show them once: slips, PDF or e-mail."""
    programme = get_programme_for_names(request.user, pk)
    rows = Participant.objects.filter(programme=programme).select_related("unit")
    scope = request.POST.get("scope", "")
    if scope == "unissued":
        rows = rows.filter(link_issued_at__isnull=True)
    elif (participant_id := parse_id(scope)) is not None:
        rows = rows.filter(pk=participant_id)
    elif scope != "all":
        messages.error(request, _("Choose which participants should get new links."))
        return redirect("participants", programme.pk)
    participants_list = list(rows)
    if not participants_list:
        messages.info(request, _("Every participant already has a link."))
        return redirect("participants", programme.pk)
    # The e-mails go out inside the transaction: if one cannot be sent, the old links stay
    # valid and no row says they were replaced.
    with transaction.atomic():
        links = services.issue_links(participants=participants_list)
        sent = 0
        if request.POST.get("send") == "email":
            sent = services.email_links(programme=programme, links=links)
        audit.record(
            request,
            action="participant.issue_links",
            programme=programme,
            counts={"links": len(links), "emailed": sent},
        )
    # The tokens exist only now, so the PDF is made by this request or never.
    sheets = _link_slips(programme, links)
    if request.POST.get("format") == "pdf":
        return _link_slips_pdf(programme, sheets)
    response = render(
        request,
        "programmes/participant_links.html",
        {"programme": programme, "sheets": sheets, "sent": sent},
    )
    add_never_cache_headers(response)  # the links must not outlive this page
    return response


# --- Managers ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def managers(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_people(request.user, pk)
    tree = programme.unit_tree()
    form = ManagerInviteForm(posted(request), programme=programme, tree=tree)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            invitation = services.invite_manager(
                programme=programme,
                email=form.cleaned_data["email"],
                unit=form.cleaned_data["unit"],
                invited_by=request.user,
                role=form.cleaned_data["role"],
            )
            audit.record(
                request,
                action=f"{invitation.role}.invite",
                obj=invitation,
                programme=programme,
            )
        messages.success(
            request, _("An invitation is sent to %(email)s.") % {"email": invitation.email}
        )
        return redirect("managers", programme.pk)
    return render(
        request,
        "programmes/managers.html",
        {
            "programme": programme,
            "access": get_programme_access(request.user, programme.pk),
            "cofacilitators": programme.managers.filter(role=ClientRole.COFACILITATOR).exists(),
            "form": form,
            "managers": [
                (m, tree.path(m.unit_id) if m.unit_id else None)
                for m in programme.managers.select_related("user")
            ],
            "invitations": [
                (i, tree.path(i.unit_id) if i.unit_id else None)
                for i in programme.manager_invitations.pending()
            ],
        },
        status=422 if form.errors else 200,
    )


@require_POST
def manager_revoke(request: HttpRequest, pk: int, manager_id: int) -> HttpResponse:
    programme = get_programme_for_people(request.user, pk)
    manager = get_manager(programme, manager_id)
    with transaction.atomic():
        audit.record(
            request,
            action=f"{manager.role}.revoke",
            obj=manager,
            programme=programme,
        )
        manager.delete()
        # An account that was there for this programme alone goes with the access.
        services.delete_orphaned_accounts([manager.user_id])
    messages.success(request, _("The manager no longer has access."))
    return redirect("managers", programme.pk)


@require_POST
def invitation_cancel(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    programme = get_programme_for_people(request.user, pk)
    invitation = get_invitation(programme, invitation_id)
    with transaction.atomic():
        audit.record(
            request,
            action=f"{invitation.role}.cancel_invitation",
            obj=invitation,
            programme=programme,
        )
        invitation.delete()
    messages.success(request, _("The invitation has been withdrawn."))
    return redirect("managers", programme.pk)


@require_POST
def programme_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the programme over to the client's co-facilitators, or take it back."""
    programme = get_programme_for_workspace(request.user, pk)
    handed = request.POST.get("handed_over") == "1"
    try:
        with transaction.atomic():
            services.hand_over(programme, handed=handed)
            audit.record(
                request,
                action="programme.hand_over" if handed else "programme.take_back",
                obj=programme,
                programme=programme,
            )
    except services.ServiceError as error:
        messages.error(request, str(error))
        return redirect("managers", programme.pk)
    if handed:
        messages.success(
            request,
            _(
                "The programme is handed over. Its co-facilitators can now invite and remove "
                "co-facilitators and managers themselves."
            ),
        )
    else:
        messages.success(request, _("The programme is no longer handed over."))
    return redirect("managers", programme.pk)


# --- Audit log -----------------------------------------------------------------------


@require_GET
def audit_log(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_workspace(request.user, pk)
    entries = AuditEntry.objects.filter(programme_id=programme.pk)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # annotated once, then shown
    audit.actor_names(page.object_list)
    return render(request, "programmes/audit_log.html", {"programme": programme, "page": page})


# --- Participant links ---------------------------------------------------------------


@login_not_required
@require_GET
@ratelimit.answers_too_many_attempts
def participant_link(request: HttpRequest, token: str) -> HttpResponse:
    """Move a personal link's token into the session and drop it from the address bar.

    An unknown (or voided) token is counted as a failed attempt and not kept: the page it
    leads to then says the link is not valid, and past the limit the answer is 429.
    """
    token_hash = hash_token(token[:100])
    if Participant.objects.filter(token_hash=token_hash).exists():
        request.session[PARTICIPANT_SESSION_KEY] = token_hash
    else:
        request.session.pop(PARTICIPANT_SESSION_KEY, None)
        ratelimit.count_unknown_token(request, ratelimit.LINK_TOKEN)
    response = HttpResponseRedirect(reverse("participant_home"))
    response["Referrer-Policy"] = "no-referrer"  # the token is in this URL
    return response


REPORTS_PER_MINUTE = 6  # a PDF costs a second of a worker: six a minute per user


def _report_limit(request: HttpRequest) -> HttpResponse | None:
    """The 429 page once a user has asked for six reports and exports this minute (counted
    across workers and servers), else None."""
    if ratelimit.allow("report", str(request.user.pk), maximum=REPORTS_PER_MINUTE):
        return None
    message = _("Six reports and exports a minute at most. Wait a minute and try again.")
    return render(request, "429.html", {"message": message}, status=429)


@require_GET
def programme_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything the programme holds, as JSON and CSV in a zip with its progress report:
    for the client, as the controller of the data (`programmes.export`)."""
    from django.http import FileResponse

    from programmes import export, report
    from programmes.access import ProgrammeAccess
    from programmes.pdf import attachment_disposition

    programme = get_programme_for_workspace(request.user, pk)
    if (refused := _report_limit(request)) is not None:
        return refused
    try:
        made = report.build(ProgrammeAccess(programme, "facilitator"), report.selection_from({}))
        report_pdf = report.render(made)
    except report.NothingToReport:
        report_pdf = None
    archive = export.to_temporary_file(programme, report_pdf=report_pdf)
    audit.record(request, action="programme.export", obj=programme, programme=programme)
    response = FileResponse(archive, content_type="application/zip")
    with translation.override(programme.language):
        stem = f"{_('data')} {programme.title}"
    response["Content-Disposition"] = attachment_disposition(stem, "zip")
    add_never_cache_headers(response)
    return response


@require_GET
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress report as a PDF, for the same selection as the dashboard; `version=
    publication` for programme-level figures only (no unit table, no unit names)."""
    from programmes import report
    from programmes.pdf import pdf_response

    access = get_programme_access(request.user, pk)
    if (refused := _report_limit(request)) is not None:
        return refused
    version = report.PUBLICATION if request.GET.get("version") == "publication" else report.FULL
    try:
        made = report.build(access, report.selection_from(request.GET), version=version)
    except report.NothingToReport:
        return render(
            request, "programmes/report_empty.html", {"programme": access.programme}, status=409
        )
    except report.NotForPublication:
        message = _(
            "The version for publication shows figures for the whole programme; you follow "
            "part of it. Download the report for your units instead."
        )
        return HttpResponse(message, status=403)
    pdf = report.render(made)
    audit.record(
        request,
        action=f"report.download_{version}",
        programme=access.programme,
        role=access.role,
    )
    with translation.override(access.programme.language):
        stem = f"{_('progress report')} {access.programme.title}"
    return pdf_response(pdf, filename_stem=stem)
