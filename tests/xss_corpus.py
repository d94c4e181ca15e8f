"""An XSS and formula-injection corpus (QUALITY I-3), and the one place that stores it in
every text that staff or phones type and the app shows again.

Each payload carries a marker, `xss` and two digits. Shown as text (escaped), the marker is
simply read on the page; had a payload ever been taken as markup or script, it would leave
a trace a test can find: a dialog (`alert`), a global `window.xssNN`, an element with the id
`xssNN`, a request to a path holding `xssNN`, an event-handler or `hx-*` attribute whose
value holds the marker, a `javascript:` or `data:` address, or `{{7*7}}` turned into 49.

The text fields are listed by hand (`TEXT_FIELDS`), each with what can type it, and the
other text columns are listed with the reason they cannot hold a payload (`NOT_TYPED`):
`tests/test_xss_outputs.py` walks the models and fails when a text column is in neither
list, so a new field joins the corpus the day it is added.

Every stored text begins with a spreadsheet formula (`FORMULAS`), so each text cell of every
CSV and XLSX export has one to neutralise; the HTML payloads follow it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.db import models

# Cells that a spreadsheet would run as a formula (OWASP's CSV injection list): =, +, -, @,
# a tab and a carriage return at the start. Short, so a 100-character field holds one of
# them and an HTML payload.
FORMULAS = [
    '=HYPERLINK("//x.dk/xss00")',
    "+1+cmd|'/C calc'!A0 xss01",
    "-1+cmd|'/C calc'!A0 xss02",
    "@SUM(9)*cmd|'/C calc'!A0 xss03",
    "\t=1+1 xss04",
    "\r=1+1 xss05",
]

# What would run, load or take over the page if it were ever read as markup, in the
# contexts a template puts text: element content, quoted attributes (both quotes), <title>,
# <textarea>, <style>, JSON in a <script>, URLs, htmx 2 attributes (which would act on
# injected markup whatever the CSP says), template syntax, and unicode tricks.
HTML_PAYLOADS = [
    "<script>window.xss06=1;alert(6)</script>",
    "<ScRiPt id=xss07>alert(7)</sCrIpT>",
    '<script src="/xss08.js" id=xss08></script>',
    "<img src=x id=xss09 onerror=alert(9)>",
    '<img src="/xss10.png" id=xss10>',
    "<svg id=xss11 onload=alert(11)>",
    "<svg><a id=xss12 href=javascript:alert(12)><text>x</text></a></svg>",
    '<a id=xss13 href="javascript:alert(13)">xss13</a>',
    "javascript:alert(14)//xss14",
    '<iframe id=xss15 src="javascript:alert(15)"></iframe>',
    '<div id=xss16 hx-get="/xss16" hx-trigger="load">x</div>',
    '<button id=xss17 hx-post="/xss17" hx-trigger="load">x</button>',
    '<b id=xss18 hx-on:click="alert(18)" hx-on::load="alert(18)">x</b>',
    '<p id=xss19 hx-on::load="window.xss19=1">x</p>',
    '<i id=xss20 data-hx-get="/xss20" data-hx-trigger="load">x</i>',
    "<x id=xss21 hx-get=/xss21 hx-trigger=load hx-target=body>",
    '"><img src=x id=xss22 onerror=alert(22)>',
    "'><img src=x id=xss23 onerror=alert(23)>",
    '" autofocus onfocus="window.xss24=1" x="',
    "' onmouseover='window.xss25=1' x='",
    '" hx-get="/xss26" hx-trigger="load" x="',
    "'-alert(27)-'xss27",
    '\\";alert(28);//xss28',
    "</script><script>alert(29)</script>xss29",
    "</style><img src=x id=xss30 onerror=alert(30)>",
    "</textarea><img src=x id=xss31 onerror=alert(31)>",
    "</title><img src=x id=xss32 onerror=alert(32)>",
    'xss33 {{7*7}} {% now "Y" %} ${7*7} #{7*7}',
    '<div id=xss34 style="background:url(javascript:alert(34))">',
    '<div id=xss35 style="width:expression(alert(35))">x</div>',
    "[xss36](javascript:alert(36))",
    '<a id=xss37 href="data:text/html,<script>alert(37)</script>">x</a>',
    '<object id=xss38 data="data:text/html,<script>alert(38)</script>">',
    "\uff1cscript\uff1ealert(39)\uff1c/script\uff1e xss39",  # fullwidth < and >
    "xss40\u202e<img src=x id=xss40 onerror=alert(40)>\u202c",  # right-to-left override
    "<scr\u200bipt>alert(41)</scr\u200bipt> xss41",  # a zero-width space inside the tag
    "&lt;img src=x id=xss42 onerror=alert(42)&gt;",  # must not be unescaped twice
    "<math><mtext><table><mglyph><style><img src id=xss43 onerror=alert()>",
    "<details id=xss44 open ontoggle=alert(44)>",
    "<body id=xss45 onload=alert(45)>",
    '<form id=xss46 action="/xss46"><button>x</button></form>',
    '<meta http-equiv="refresh" content="0;url=/xss47">',
    '<base href="/xss48/">',
    '<link rel=stylesheet href="/xss49.css">',
    "%3Cscript%3Ealert(50)%3C%2Fscript%3E xss50",
    '<noscript><p title="</noscript><img src id=xss51 onerror=alert()>">',
    "<input id=xss52 autofocus onfocus=alert(52)>",
    '<iframe id=xss53 srcdoc="<script>alert(53)</script>">',
    "<svg><animate id=xss54 onbegin=alert(54) attributeName=x dur=1s>",
    "\u2028\u2029</script>xss55",  # line separators end a JavaScript string in old engines
    "<!--<img src=x id=xss56 onerror=alert(56)>-->",
    '<a href="https://x.example/xss57" id=xss57>link</a>',
]
PAYLOADS = FORMULAS + HTML_PAYLOADS
MARKER = re.compile(r"xss\d\d")
TEMPLATE_EVALUATED = re.compile(r"xss33\s+(49|\d{4})")  # {{7*7}} or {% now %} run
SHORTEST_FIELD = 100  # Session.label: the longest formula and HTML payload must fit


def marker(payload: str) -> str:
    return MARKER.search(payload).group()


# (app label, model, field): text that a facilitator, a manager or a phone types (or a
# staff CSV upload brings) and that some page, export or PDF shows again.
TEXT_FIELDS = [
    ("programmes", "Workspace", "name"),
    ("programmes", "Programme", "organisation"),
    ("programmes", "Programme", "title"),
    ("programmes", "Programme", "privacy_contact"),
    ("programmes", "Programme", "dpo_contact"),
    ("programmes", "Unit", "name"),
    ("programmes", "Participant", "name"),
    ("programmes", "User", "first_name"),
    ("programmes", "User", "last_name"),
    ("programmes", "AuditEntry", "actor"),  # rows written before actors were named by id
    ("programmes", "AuditEntry", "summary"),
    ("surveys", "Instrument", "name"),
    ("surveys", "Item", "text_da"),
    ("surveys", "Item", "text_sv"),
    ("surveys", "Item", "text_en"),
    ("surveys", "Round", "title"),
    ("surveys", "Event", "text"),
    ("seminars", "Seminar", "title"),
    ("seminars", "Seminar", "place"),
    ("seminars", "Seminar", "goals"),
    ("seminars", "Seminar", "summary"),
    ("seminars", "Session", "label"),
    ("seminars", "Session", "place"),
    ("seminars", "Activity", "title"),
    ("seminars", "Board", "question"),
    ("seminars", "PostGroup", "title"),
    ("seminars", "Post", "text"),
    ("seminars", "GroupWork", "question"),
    ("seminars", "WorkGroup", "name"),
    ("seminars", "EvaluationQuestion", "text"),
    ("seminars", "Evaluation", "themes"),
    ("seminars", "EvaluationAnswer", "text"),
    ("seminars", "LogbookEntry", "tried"),
    ("seminars", "LogbookEntry", "happened"),
    ("actionplans", "TeamPlan", "title"),
    ("actionplans", "TeamPlan", "goal"),
    ("actionplans", "TeamPlan", "success_sign"),
    ("actionplans", "Action", "text"),
    ("actionplans", "Action", "owner"),
    ("actionplans", "ProgressUpdate", "note"),
]
# Fields that plotly draws as labels (round titles, events): they start at the link, which
# plotly would make live if a label were not escaped for it (surveys/charts.py `plain`).
PLOTLY_LINK = next(n for n, payload in enumerate(HTML_PAYLOADS) if "x.example/xss57" in payload)
CHART_LABELS = {("surveys", "Round", "title"), ("surveys", "Event", "text")}

# JSON that holds typed text: written by `store_everywhere` through their own rules.
TEXT_JSON = [
    ("seminars", "GroupWork", "headings"),  # a discussion's headings, typed by the facilitator
    ("seminars", "WorkGroup", "notes"),  # {heading: the group's notes}, typed on phones
    ("programmes", "ParticipantImport", "rows"),  # a staff CSV upload: the browser test
]

# The other text columns, and why no payload can reach a page through them.
NOT_TYPED = {
    "password": "a hash",
    "username": "Django's validator allows letters, digits and @.+-_ only",
    "email": "an e-mail address, checked by Django's EmailValidator (no <, >, quotes)",
    "token_hash": "a hash the app makes",
    "code_hash": "a hash the app makes",
    "display_token_hash": "a hash the app makes",
    "documentation_token_hash": "a hash the app makes",
    "logbook_token_hash": "a hash the app makes",
    "documentation_nonce": "random, made by the app",
    "lookup": "a hash the app makes",
    "key": "random or a slug the app checks",
    "room_code": "made by the app from its own alphabet",
    "content_type": "image/png or image/svg+xml, set by the logo cleaner",
    "filename": "the upload's name, stored with the staged import (the browser test uploads one)",
    "role": "one of the app's role codes",
    "action": "one of the app's action codes",
    "object_type": "a model label",
    "object_id": "a primary key",
    "request_id": "a UUID the middleware makes",
    "details": "field names and counts, checked by programmes.audit",
    "language": "a language code the app checks",
    "live_figures": "numbers the app computes",
    "published": "numbers the app computes",
    "answers": "item ids and values, checked by the survey forms",
    "dimension": "one of the instrument's dimension keys",
    "held_for": "the name guard's reason codes",
    "occasion": "one of the reminders' occasion codes",
}


def text_columns() -> list[tuple[str, str, str, models.Field]]:
    """Every text column of the app's models (those with choices hold only their codes)."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in ("programmes", "seminars", "surveys", "actionplans"):
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                continue
            if field.choices:
                continue
            found.append((model._meta.app_label, model.__name__, field.name, field))
    return found


def fill(max_length: int, start: int) -> str:
    """A formula, then as many HTML payloads as fit, from `start` on (so rows differ)."""
    parts = [FORMULAS[start % len(FORMULAS)]]
    for step in range(len(HTML_PAYLOADS)):
        payload = HTML_PAYLOADS[(start + step) % len(HTML_PAYLOADS)]
        if len(" ".join([*parts, payload])) > max_length:
            break
        parts.append(payload)
    return " ".join(parts)


@dataclass
class Stored:
    values: int  # text values written
    recovery_code: str  # opens the personal plan written with payloads


def store_everywhere(*, personal_plan_programme=None, personal_plan_unit=None) -> Stored:
    """Overwrite every typed text in the database with payloads, straight through the ORM:
    no form gets the chance to refuse one, so only the output side is tested.

    A personal plan is stored as ciphertext, so it is written through the same encryption
    a phone uses (with payloads in every field, its reflection and a colleague's feedback).
    """
    written = 0
    for offset, (app_label, model_name, name) in enumerate(TEXT_FIELDS):
        model = apps.get_model(app_label, model_name)
        field = model._meta.get_field(name)
        rows = list(model._base_manager.order_by("pk"))
        for row_number, row in enumerate(rows):
            start = offset * 7 + row_number
            if (app_label, model_name, name) in CHART_LABELS:
                start = PLOTLY_LINK + row_number * len(HTML_PAYLOADS)  # other formulas
            setattr(row, name, fill(field.max_length or 2000, start))
        model._base_manager.bulk_update(rows, [name], batch_size=500)
        written += len(rows)
    written += _store_group_notes()
    code = ""
    if personal_plan_programme is not None:
        code = _write_personal_plan(personal_plan_programme, personal_plan_unit)
        written += 1
    return Stored(values=written, recovery_code=code)


def _store_group_notes() -> int:
    """A discussion's headings and each group's notes under them, by position."""
    from seminars.models import GroupWork, WorkGroup

    written = 0
    for number, work in enumerate(GroupWork.objects.order_by("pk")):
        old = list(work.headings)
        new = [fill(120, number * 3 + i) for i in range(max(len(old), 2))]
        work.headings = new
        work.save(update_fields=["headings"])
        for row, group in enumerate(WorkGroup.objects.filter(work=work).order_by("pk")):
            group.notes = {heading: fill(2000, row + i * 5) for i, heading in enumerate(new)}
            group.notes_version += 1
            group.save(update_fields=["notes", "notes_version"])
            written += 1
    return written


def _write_personal_plan(programme, unit) -> str:
    from actionplans import personal

    return personal.write_plan(
        programme=programme,
        unit=unit,
        fields={name: fill(2000, n * 9) for n, (name, _label) in enumerate(personal.PLAN_FIELDS)},
        reflections=({"went": "4", "learned": fill(2000, 40), "next": fill(2000, 44)},),
        feedback=({"works": fill(2000, 48), "suggestion": fill(2000, 52)},),
    )
