"""The survey on a phone (no account, no JavaScript needed) and rounds for facilitators."""

from __future__ import annotations

import math
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from programmes import audit
from programmes.access import (
    get_facilitator_access,
    get_programme_access,
    get_programme_for_facilitator,
    workspaces_for_facilitator,
)
from programmes.htmx import posted, render_page, uploaded
from programmes.models import Programme
from programmes.participants import (
    forget_language,
    kiosk_code,
    next_person,
    phone_language,
    render_participant,
)
from programmes.qr import qr_svg
from surveys import dashboard as dashboard_data
from surveys import exports, services
from surveys.access import (
    SurveySession,
    get_editable_instrument,
    get_event,
    get_instrument_for_facilitator,
    get_item,
    get_round,
    get_survey_session,
    remember,
)
from surveys.forms import (
    ITEM_PREFIX,
    EventForm,
    InstrumentChoiceForm,
    InstrumentImportForm,
    ItemForm,
    LanguageForm,
    NewVersionForm,
    RoundForm,
    SurveyItemsForm,
    SurveyPageForm,
    UnitChoiceForm,
)
from surveys.instruments import MAX_BYTES, export_instrument, parse_instrument
from surveys.models import Instrument, Item, SurveySetup
from surveys.results import response_rates

ITEMS_PER_PAGE = 4


# --- Answering on a phone --------------------------------------------------------------


def pages(items: list[Item]) -> list[list[Item]]:
    """Split the items into even pages of at most four (DESIGN.md: three or four items a
    page; ten items: 4, 3, 3)."""
    count = max(1, math.ceil(len(items) / ITEMS_PER_PAGE))
    size, extra = divmod(len(items), count)
    result, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        result.append(items[start:end])
        start = end
    return result


def _language(request: HttpRequest, survey: SurveySession) -> str:
    """The language the phone already uses (the draft's first), else the programme's."""
    no_choice = settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
    if no_choice and survey.draft and survey.draft.language:
        return survey.draft.language
    return phone_language(request, default=survey.round.programme.language)


def _with_language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _gate(request: HttpRequest, survey: SurveySession) -> HttpResponse | None:
    """Pages to show instead of the survey: closed, already answered, not started."""
    language = _language(request, survey)
    if survey.done:
        return redirect("survey_thanks", survey.round.pk)
    if not survey.round.is_open:
        return render_participant(
            request, "surveys/closed.html", {"round": survey.round}, status=410, language=language
        )
    answered = survey.participant is not None and services.answered_elsewhere(
        participant=survey.participant,
        round_id=survey.round.pk,
        key=survey.draft.idempotency_key if survey.draft else None,
    )
    if answered:
        return render_participant(
            request,
            "surveys/already_answered.html",
            {"round": survey.round},
            status=409,
            language=language,
        )
    return None


@login_not_required
@require_http_methods(["GET", "POST"])
def survey_start(request: HttpRequest, round_id: int) -> HttpResponse:
    """The first page: the language, the anonymity promise, where the respondent works.

    Two forms post here. The language buttons set the language cookie and show the page
    again in that language; Start saves the unit in the draft (made now, under the id the
    session was given on the way in) and opens the first page of questions.
    """
    survey = get_survey_session(request, round_id)
    if (stop := _gate(request, survey)) is not None:
        return stop
    if request.method == "POST" and "language" in request.POST:
        return _choose_language(request, survey)
    tree = survey.round.programme.unit_tree()
    initial = survey.draft.unit_id if survey.draft else _participant_unit(survey)
    form = UnitChoiceForm(request.POST or None, tree=tree, initial={"unit": initial})
    if request.method == "POST" and form.is_valid():
        _start(request, survey, unit_id=form.cleaned_data["unit"])
        return redirect("survey_page", survey.round.pk, 1)
    return _start_page(request, survey, form, LanguageForm(), tree=tree)


def _participant_unit(survey: SurveySession) -> int | None:
    return survey.participant.unit_id if survey.participant else None


def _choose_language(request: HttpRequest, survey: SurveySession) -> HttpResponse:
    """A language button: the cookie, and the first page again in that language."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        tree = survey.round.programme.unit_tree()
        unit_form = UnitChoiceForm(tree=tree, initial={"unit": _participant_unit(survey)})
        return _start_page(request, survey, unit_form, form, tree=tree, status=422)
    language = form.cleaned_data["language"]
    if survey.draft is not None and survey.draft.language != language:
        survey.draft.language = language
        survey.draft.save(update_fields=["language"])
    return _with_language_cookie(redirect("survey_start", survey.round.pk), language)


def _start(request: HttpRequest, survey: SurveySession, *, unit_id: int) -> None:
    """Save where the respondent works in the draft, making the draft on the first Start."""
    language = _language(request, survey)
    if survey.draft is not None:
        survey.draft.unit_id = unit_id
        survey.draft.save(update_fields=["unit"])
        return
    if survey.draft_id is None:  # a personal link's first round, or a reopened one
        survey.draft_id = str(uuid.uuid4())
        remember(request, survey)
    services.start_draft(
        round=survey.round, draft_id=uuid.UUID(survey.draft_id), language=language, unit_id=unit_id
    )


def _start_page(request, survey, form, language_form, *, tree, status=None) -> HttpResponse:
    items = services.round_items(survey.round)
    return render_participant(
        request,
        "surveys/start.html",
        {
            "round": survey.round,
            "programme": survey.round.programme,
            "form": form,
            "language_form": language_form,
            "tree": tree,
            "minutes": max(2, math.ceil(len(items) / 4)),
            "via_link": survey.participant is not None,
        },
        status=status or (422 if form.errors else 200),
        language=_language(request, survey),
        written_in=survey.round.programme.language,
    )


def _require_draft(request: HttpRequest, survey: SurveySession) -> HttpResponse | None:
    if (stop := _gate(request, survey)) is not None:
        return stop
    if survey.draft is None or survey.draft.unit_id is None:
        return redirect("survey_start", survey.round.pk)
    return None


@login_not_required
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, round_id: int, page: int) -> HttpResponse:
    """The questions, three or four to a page; every POST saves the draft before moving on."""
    survey = get_survey_session(request, round_id)
    if (stop := _require_draft(request, survey)) is not None:
        return stop
    all_pages = pages(services.round_items(survey.round))
    language = _language(request, survey)
    if not 1 <= page <= len(all_pages):
        return render_participant(
            request,
            "surveys/bad_request.html",
            {"round": survey.round},
            status=404,
            language=language,
        )
    items = all_pages[page - 1]
    stored = {int(k): v for k, v in survey.draft.answers.items()}
    initial = {f"{ITEM_PREFIX}{i.pk}": str(stored[i.pk]) for i in items if i.pk in stored}
    form = SurveyPageForm(request.POST or None, items=items, language=language, initial=initial)
    if request.method == "POST":
        expected = {f"{ITEM_PREFIX}{item.pk}" for item in items}
        unknown = {key for key in request.POST if key.startswith(ITEM_PREFIX)} - expected
        if unknown:
            return render_participant(
                request,
                "surveys/bad_request.html",
                {"round": survey.round},
                status=400,
                language=language,
            )
        if form.is_valid():
            survey.draft.language = language
            services.save_answers(draft=survey.draft, answers=form.answers())
            if request.POST.get("nav") == "autosave":  # survey.js saves each tap
                return HttpResponse(status=204)
            if request.POST.get("nav") == "back":
                if page > 1:
                    return redirect("survey_page", survey.round.pk, page - 1)
                return redirect("survey_start", survey.round.pk)
            if page < len(all_pages):
                return redirect("survey_page", survey.round.pk, page + 1)
            return redirect("survey_review", survey.round.pk)
    return render_participant(
        request,
        "surveys/page.html",
        {
            "round": survey.round,
            "questions": form.questions(),
            "has_errors": bool(form.errors),
            "page": page,
            "page_count": len(all_pages),
            "progress": round(100 * (page - 1) / len(all_pages)),
        },
        status=422 if form.errors else 200,
        language=language,
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def survey_review(request: HttpRequest, round_id: int) -> HttpResponse:
    """Step 5: every answer at a glance, with a way back, then one button to submit."""
    survey = get_survey_session(request, round_id)
    if request.method == "POST" and survey.done:  # a double tap: answer as the first did
        return HttpResponseRedirect(reverse("survey_thanks", args=[survey.round.pk]), status=303)
    if request.method == "POST" and survey.draft is None and survey.round.is_open:
        return _submit(request, survey)  # a retry from another tab after the draft was stored
    if (stop := _require_draft(request, survey)) is not None:
        return stop
    if request.method == "POST":
        return _submit(request, survey)
    return _review_page(request, survey)


def _review_page(request, survey: SurveySession, *, status: int = 200, error: str = ""):
    all_pages = pages(services.round_items(survey.round))
    stored = survey.draft.answers
    language = _language(request, survey)
    rows = [
        (number, item.text(language), stored.get(str(item.pk)))
        for number, page_items in enumerate(all_pages, start=1)
        for item in page_items
    ]
    return render_participant(
        request,
        "surveys/review.html",
        {
            "round": survey.round,
            "rows": rows,
            "draft": survey.draft,
            "error": error,
            "unit_path": survey.round.programme.unit_tree().path(survey.draft.unit_id)
            if survey.draft.unit_id
            else "",
        },
        status=status,
        language=_language(request, survey),
        written_in=survey.round.programme.language,
    )


def _submit(request: HttpRequest, survey: SurveySession) -> HttpResponse:
    language = _language(request, survey)
    try:
        draft_id = uuid.UUID(request.POST.get("draft", ""))
        key = uuid.UUID(request.POST.get("key", ""))
    except ValueError:
        return render_participant(
            request,
            "surveys/bad_request.html",
            {"round": survey.round},
            status=400,
            language=language,
        )
    if survey.draft is not None and draft_id != survey.draft.pk:
        return render_participant(
            request,
            "surveys/bad_request.html",
            {"round": survey.round},
            status=400,
            language=language,
        )
    try:
        services.submit(
            round_id=survey.round.pk,
            draft_id=draft_id,
            key=key,
            participant=survey.participant,
            read=survey.draft,
        )
    except services.AlreadyAnswered:
        return render_participant(
            request,
            "surveys/already_answered.html",
            {"round": survey.round},
            status=409,
            language=language,
        )
    except services.RoundClosed:
        survey.draft = survey.draft_id = None  # closing deleted it; the session forgets it too
        remember(request, survey)
        return render_participant(
            request, "surveys/closed.html", {"round": survey.round}, status=410, language=language
        )
    except services.NoUnitChosen:
        return redirect("survey_start", survey.round.pk)
    except services.SurveyError:
        return render_participant(
            request,
            "surveys/bad_request.html",
            {"round": survey.round},
            status=400,
            language=language,
        )
    survey.draft = survey.draft_id = None
    survey.done = True
    remember(request, survey)
    return HttpResponseRedirect(reverse("survey_thanks", args=[survey.round.pk]), status=303)


@login_not_required
@require_GET
def survey_thanks(request: HttpRequest, round_id: int) -> HttpResponse:
    """The end: thanks, and what happens next."""
    survey = get_survey_session(request, round_id, next_seminar=True)
    if not survey.done:
        return redirect("survey_start", survey.round.pk)
    language = _language(request, survey)
    kiosk = kiosk_code(request)
    if kiosk:
        next_person(request)  # a shared tablet: nothing of this person stays for the next
    next_seminar = None
    if survey.round.next_seminar_title is not None:
        next_seminar = {
            "title": survey.round.next_seminar_title,
            "date": survey.round.next_seminar_date,
        }
    response = render_participant(
        request,
        "surveys/thanks.html",
        {
            "round": survey.round,
            "programme": survey.round.programme,
            "next_seminar": next_seminar,
            "k": survey.round.programme.min_group_size,
            "kiosk_code": kiosk,
        },
        language=language,
        written_in=survey.round.programme.language,
    )
    return forget_language(response) if kiosk else response


# --- Rounds for facilitators -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rounds(request: HttpRequest, pk: int) -> HttpResponse:
    """A programme's survey rounds, with a form for a new one."""
    programme = get_programme_for_facilitator(request.user, pk)
    seminars = list(programme.seminars.all())
    form = RoundForm(posted(request), seminars=seminars)
    if request.method == "POST" and form.is_valid():
        round = form.save(commit=False)
        round.programme = programme
        with transaction.atomic():
            services.get_or_create_setup(programme=programme)
            round.save()
            audit.record(request, action="round.create", obj=round, programme=programme)
        messages.success(request, _("The survey round has been created."))
        return redirect("round_detail", programme.pk, round.pk)
    return render(
        request,
        "surveys/rounds.html",
        {
            "programme": programme,
            "rounds": programme.rounds.select_related("seminar"),
            "form": form,
        },
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def round_detail(request: HttpRequest, pk: int, round_id: int) -> HttpResponse:
    """State, room code, QR code and response rate of one round; its title and times."""
    access = get_facilitator_access(request.user, pk)
    programme, consultant = access.programme, access.is_consultant
    round = get_round(programme, round_id)
    form = RoundForm(
        posted(request),
        instance=round,
        seminars=list(programme.seminars.all()),
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit.record(
                request,
                action="round.edit",
                obj=round,
                programme=programme,
                fields=form.changed_data,
            )
        messages.success(request, _("The survey round has been saved."))
        return redirect("round_detail", programme.pk, round.pk)
    code = services.room_code(round) if round.is_open else ""
    join_url = request.build_absolute_uri(reverse("join_code", args=[code])) if code else ""
    return render(
        request,
        "surveys/round_detail.html",
        {
            "programme": programme,
            "round": round,
            "form": form,
            "code": code,
            "join_url": join_url,
            "qr": qr_svg(join_url) if join_url else "",
            # Per unit for the workspace's facilitators; a co-facilitator sees what the
            # room sees, the whole programme's count (no rates of hidden groups).
            "rates": response_rates(round)[: None if consultant else 1],
            "short_join_url": request.build_absolute_uri(reverse("join")),
            "ask_close": round.is_open and request.GET.get("close") == "ask",
        },
        status=422 if form.errors else 200,
    )


@require_GET
def survey_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Every question as a phone shows it, in the chosen language; nothing is stored."""
    programme = get_programme_for_facilitator(request.user, pk)
    language = request.GET.get("language", programme.language)
    if language not in {"da", "sv", "en"}:
        language = programme.language
    items = services.survey_items(programme)
    with translation.override(language):
        forms = [
            SurveyPageForm(items=page_items, language=language, auto_id=f"p{n}_%s")
            for n, page_items in enumerate(pages(items) if items else [], start=1)
        ]
        return render(
            request,
            "surveys/preview.html",
            {"programme": programme, "forms": forms, "language": language},
        )


@require_POST
def round_open(request: HttpRequest, pk: int, round_id: int) -> HttpResponse:
    """Open (or reopen) a round with one click."""
    programme = get_programme_for_facilitator(request.user, pk)
    with transaction.atomic():
        round = services.open_round(round=get_round(programme, round_id))
        audit.record(request, action="round.open", obj=round, programme=programme)
    return redirect("round_detail", programme.pk, round.pk)


@require_POST
def round_close(request: HttpRequest, pk: int, round_id: int) -> HttpResponse:
    """Close a round, as the second step: the first only asks (works without JavaScript)."""
    programme = get_programme_for_facilitator(request.user, pk)
    round = get_round(programme, round_id)
    if request.POST.get("confirm") != "yes":
        return redirect(reverse("round_detail", args=[programme.pk, round.pk]) + "?close=ask")
    if not round.is_open:
        messages.info(request, _("The survey round was already closed."))
        return redirect("round_detail", programme.pk, round.pk)
    with transaction.atomic():
        services.close_round(round=round)
        audit.record(request, action="round.close", obj=round, programme=programme)
    answered = round.responses.count()
    messages.success(
        request,
        ngettext(
            "The survey round “%(title)s” is closed with %(count)s answer. Answers that were "
            "not sent have been deleted. You can reopen the round if needed.",
            "The survey round “%(title)s” is closed with %(count)s answers. Answers that were "
            "not sent have been deleted. You can reopen the round if needed.",
            answered,
        )
        % {"title": round.title, "count": answered},
    )
    return redirect("round_detail", programme.pk, round.pk)


@require_http_methods(["GET", "POST"])
def survey_setup(request: HttpRequest, pk: int) -> HttpResponse:
    """Which instrument and questions the programme asks; fixed once a round has opened."""
    programme = get_programme_for_facilitator(request.user, pk)
    setup = programme_setup(programme)
    if request.method == "POST":
        return _change_setup(request, programme, setup)
    return _setup_page(request, programme, setup)


def _change_setup(request: HttpRequest, programme: Programme, setup) -> HttpResponse:
    if setup is None:
        with transaction.atomic():
            setup = services.get_or_create_setup(programme=programme)
            audit.record(request, action="survey.setup", obj=setup, programme=programme)
        return redirect("survey_setup", programme.pk)
    if setup.pinned_at is not None:
        messages.error(request, _("The questions are fixed: a round has already been opened."))
        return redirect("survey_setup", programme.pk)
    if request.POST.get("action") == "instrument":
        form = InstrumentChoiceForm(request.POST, queryset=_instrument_choices(programme))
        if not form.is_valid():
            return _setup_page(request, programme, setup, instrument_form=form, status=422)
        with transaction.atomic():
            services.choose_instrument(setup=setup, instrument=form.cleaned_data["instrument"])
            audit.record(request, action="survey.instrument", obj=setup, programme=programme)
        messages.success(request, _("The instrument has been changed."))
        return redirect("survey_setup", programme.pk)
    form = SurveyItemsForm(request.POST, instrument=setup.instrument, language=programme.language)
    if not form.is_valid():
        return _setup_page(request, programme, setup, items_form=form, status=422)
    with transaction.atomic():
        setup.items.set(form.cleaned_data["items"])
        audit.record(
            request,
            action="survey.items",
            obj=setup,
            programme=programme,
            counts={"questions": len(form.cleaned_data["items"])},
        )
    messages.success(request, _("The questions have been saved."))
    return redirect("survey_setup", programme.pk)


def _instrument_choices(programme: Programme):
    return Instrument.objects.available_to(programme.workspace)


def _setup_page(request, programme, setup, *, items_form=None, instrument_form=None, status=200):
    editable = setup is not None and setup.pinned_at is None
    if editable:
        items_form = items_form or SurveyItemsForm(
            instrument=setup.instrument,
            language=programme.language,
            initial={"items": setup.items.all()},
        )
        instrument_form = instrument_form or InstrumentChoiceForm(
            queryset=_instrument_choices(programme), initial={"instrument": setup.instrument}
        )
    items = list(setup.items.order_by("position")) if setup else []
    return render(
        request,
        "surveys/setup.html",
        {
            "programme": programme,
            "setup": setup,
            "form": items_form,
            "instrument_form": instrument_form,
            "items": [item.text(programme.language) for item in items],
        },
        status=status,
    )


def programme_setup(programme: Programme) -> SurveySetup | None:
    return SurveySetup.objects.select_related("instrument").filter(programme=programme).first()


# --- Instruments -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def instruments(request: HttpRequest) -> HttpResponse:
    """The instruments a facilitator can use, and an import of a new one."""
    workspaces = workspaces_for_facilitator(request.user)
    if not workspaces:
        raise Http404
    form = InstrumentImportForm(
        posted(request),
        uploaded(request),
        workspaces=workspaces,
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        parsed = parse_instrument(form.cleaned_data["file"].read(MAX_BYTES + 1))
        if not parsed.errors:
            workspace = form.cleaned_data["workspace"]
            with transaction.atomic():
                instrument = services.import_instrument(workspace=workspace, parsed=parsed)
                audit.record(
                    request,
                    action="instrument.import",
                    obj=instrument,
                    workspace=workspace,
                    counts={"questions": len(parsed.items)},
                )
            messages.success(request, _("“%(name)s” has been imported.") % {"name": instrument})
            return redirect("instrument_detail", instrument.pk)
        errors = parsed.errors
    listing = Instrument.objects.filter(
        Q(workspace__isnull=True) | Q(workspace__in=workspaces)
    ).annotate(item_count=Count("items"))
    return render(
        request,
        "surveys/instruments.html",
        {"instruments": listing, "form": form, "errors": errors},
        status=422 if (form.errors or errors) else 200,
    )


@require_http_methods(["GET", "POST"])
def instrument_detail(request: HttpRequest, instrument_id: int) -> HttpResponse:
    """An instrument's questions; a workspace's own unpinned version can be edited here."""
    instrument = get_instrument_for_facilitator(request.user, instrument_id)
    editable = instrument.workspace_id is not None and not instrument.is_locked
    form = ItemForm(posted(request), instrument=instrument) if editable else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            item = form.save(commit=False)
            item.instrument = instrument
            with transaction.atomic():
                item.position = instrument.items.count()
                item.save()
                _audit_item(request, "item_add", item)
            messages.success(request, _("The question has been added."))
            return redirect("instrument_detail", instrument.pk)
    return render(
        request,
        "surveys/instrument_detail.html",
        {
            "instrument": instrument,
            "items": instrument.items.all(),
            "editable": editable,
            "form": form,
            "version_form": NewVersionForm(workspaces=workspaces_for_facilitator(request.user)),
        },
        status=422 if form is not None and form.errors else 200,
    )


def _audit_item(
    request: HttpRequest, action: str, item: Item, fields: list[str] | tuple[()] = ()
) -> None:
    audit.record(
        request,
        action=f"instrument.{action}",
        obj=item,
        workspace=item.instrument.workspace,
        fields=fields,
    )


@require_http_methods(["GET", "POST"])
def instrument_item_edit(request: HttpRequest, instrument_id: int, item_id: int) -> HttpResponse:
    instrument = get_editable_instrument(request.user, instrument_id)
    item = get_item(instrument, item_id)
    form = ItemForm(posted(request), instance=item, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            _audit_item(request, "item_edit", item, form.changed_data)
        messages.success(request, _("The question has been saved."))
        return redirect("instrument_detail", instrument.pk)
    return render(
        request,
        "surveys/item_edit.html",
        {"instrument": instrument, "item": item, "form": form},
        status=422 if form.errors else 200,
    )


@require_POST
def instrument_item_delete(request: HttpRequest, instrument_id: int, item_id: int) -> HttpResponse:
    instrument = get_editable_instrument(request.user, instrument_id)
    item = get_item(instrument, item_id)
    if SurveySetup.objects.filter(items=item).exists():
        messages.error(request, _("A programme has chosen this question. Remove it there first."))
        return redirect("instrument_detail", instrument.pk)
    with transaction.atomic():
        _audit_item(request, "item_delete", item)
        item.delete()
    messages.success(request, _("The question has been removed."))
    return redirect("instrument_detail", instrument.pk)


@require_POST
def instrument_new_version(request: HttpRequest, instrument_id: int) -> HttpResponse:
    """Copy an instrument into a new version of the user's workspace, to change it there."""
    instrument = get_instrument_for_facilitator(request.user, instrument_id)
    form = NewVersionForm(request.POST, workspaces=workspaces_for_facilitator(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose a workspace."))
        return redirect("instrument_detail", instrument.pk)
    workspace = form.cleaned_data["workspace"]
    with transaction.atomic():
        copy = services.new_instrument_version(instrument=instrument, workspace=workspace)
        audit.record(
            request,
            action="instrument.new_version",
            obj=copy,
            workspace=workspace,
            counts={"version": copy.version},
        )
    messages.success(
        request, _("Version %(version)s is ready to change.") % {"version": copy.version}
    )
    return redirect("instrument_detail", copy.pk)


@require_GET
def instrument_export(request: HttpRequest, instrument_id: int) -> HttpResponse:
    instrument = get_instrument_for_facilitator(request.user, instrument_id)
    document = export_instrument(instrument.name, instrument.version, instrument.items.all())
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    filename = f"instrument-{instrument.pk}-v{instrument.version}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Results ---------------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """Before-and-after results of closed rounds, for facilitators and managers."""
    access = get_programme_access(request.user, pk)
    language = translation.get_language()
    selection = dashboard_data.Selection.from_query(request.GET)
    dashboard = dashboard_data.build(access, selection, language=language)
    return render_page(
        request,
        "surveys/results.html",
        {
            "programme": access.programme,
            "access": access,
            "d": dashboard,
            "event_form": EventForm(programme=access.programme) if access.is_facilitator else None,
            "query": request.GET.urlencode(),
        },
        partial="results",
    )


@require_GET
def results_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The shown aggregates as CSV or XLSX; suppressed groups stay suppressed."""
    access = get_programme_access(request.user, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    table = exports.rows(access, dashboard_data.Selection.from_query(request.GET))
    audit.record(
        request, action=f"results.export_{fmt}", programme=access.programme, role=access.role
    )
    filename = f"results-{access.programme.pk}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(
            exports.as_csv(table, language=translation.get_language()),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = HttpResponse(
            exports.as_xlsx(table, title=str(_("Results"))),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def event_add(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_facilitator(request.user, pk)
    form = EventForm(request.POST, programme=programme)
    if form.is_valid():
        event = form.save(commit=False)
        event.programme = programme
        with transaction.atomic():
            event.save()
            audit.record(request, action="event.create", obj=event, programme=programme)
        messages.success(request, _("The event has been added to the timeline."))
    else:
        messages.error(
            request,
            _("The event was not added: %(errors)s")
            % {"errors": " ".join(str(e) for errors in form.errors.values() for e in errors)},
        )
    return redirect(reverse("results", args=[programme.pk]) + "#trend")


@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int, event_id: int) -> HttpResponse:
    programme = get_programme_for_facilitator(request.user, pk)
    event = get_event(programme, event_id)
    form = EventForm(posted(request), instance=event, programme=programme)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit.record(
                request,
                action="event.edit",
                obj=event,
                programme=programme,
                fields=form.changed_data,
            )
        messages.success(request, _("The event has been saved."))
        return redirect(reverse("results", args=[programme.pk]) + "#trend")
    return render(
        request,
        "surveys/event_edit.html",
        {"programme": programme, "event": event, "form": form},
        status=422 if form.errors else 200,
    )


@require_POST
def event_delete(request: HttpRequest, pk: int, event_id: int) -> HttpResponse:
    programme = get_programme_for_facilitator(request.user, pk)
    event = get_event(programme, event_id)
    with transaction.atomic():
        audit.record(request, action="event.delete", obj=event, programme=programme)
        event.delete()
    messages.success(request, _("The event has been removed."))
    return redirect(reverse("results", args=[programme.pk]) + "#trend")
