"""Build (or rebuild) a realistic demo programme and print how to log in."""

from __future__ import annotations

import datetime
import json
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from programmes import services
from programmes.models import (
    ClientRole,
    Membership,
    Participant,
    Programme,
    ProgrammeManager,
    Unit,
    Workspace,
)

WORKSPACE = "Trivsel & Udvikling ApS"
FACILITATOR = ("facilitator", "demo-facilitator-2026", "Lene", "Kragh", "lene@trivsel.example")
MANAGER = ("manager", "demo-manager-2026", "Jens", "Holm", "jens.holm@skovby.example")
COLLEAGUE = ("colleague", "demo-colleague-2026", "Mads", "Winther", "mads@trivsel.example")
TEAM_MANAGER = ("teamleader", "demo-teamleader-2026", "Aisha", "Nielsen", "aisha@skovby.example")
COFACILITATOR = ("hr", "demo-cofacilitator-2026", "Sanne", "Bech", "sanne.bech@skovby.example")

# (path, employees): some units are below the minimum group size of 5 on purpose.
UNITS = [
    ("Hjemmeplejen", 0),
    ("Hjemmeplejen / Hjemmeplejen Nord", 12),
    ("Hjemmeplejen / Hjemmeplejen Syd", 10),
    ("Hjemmeplejen / Natholdet", 3),
    ("Plejecenter Bøgely", 0),
    ("Plejecenter Bøgely / Afsnit A", 9),
    ("Plejecenter Bøgely / Afsnit B", 7),
    ("Plejecenter Bøgely / Køkkenet", 4),
    ("Visitationen", 4),
    ("Træning og Rehabilitering", 6),
]
FIRST = [
    "Mette",
    "Anne",
    "Hanne",
    "Susanne",
    "Lone",
    "Pia",
    "Camilla",
    "Louise",
    "Maria",
    "Sofie",
    "Lars",
    "Henrik",
    "Peter",
    "Thomas",
    "Mads",
    "Jonas",
    "Ali",
    "Fatima",
    "Yasmin",
    "Kasper",
    "Birgitte",
    "Rikke",
    "Tina",
    "Dorte",
    "Mikkel",
    "Emil",
    "Ida",
    "Freja",
    "Nadia",
    "Søren",
]
LAST = [
    "Hansen",
    "Jensen",
    "Nielsen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Yilmaz",
    "Hussein",
    "Lund",
    "Holm",
    "Bach",
]


def ensure_user(username, password, first, last, email):
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.first_name, user.last_name, user.email = first, last, email
    user.is_active = True
    user.set_password(password)
    user.save()
    return user


class Command(BaseCommand):
    help = "Build a realistic demo programme (again) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    @transaction.atomic
    def handle(self, *args, **options):
        rng = random.Random(2026)
        facilitator = ensure_user(*FACILITATOR)
        workspace, _ = Workspace.objects.get_or_create(name=WORKSPACE)
        Membership.objects.update_or_create(
            workspace=workspace, user=facilitator, defaults={"role": Membership.Role.OWNER}
        )
        colleague = ensure_user(*COLLEAGUE)
        Membership.objects.update_or_create(
            workspace=workspace, user=colleague, defaults={"role": Membership.Role.FACILITATOR}
        )
        demo_workspace_invitation(workspace, invited_by=facilitator)
        programme, rebuilt = demo_programme(workspace)
        Programme.objects.filter(pk=programme.pk).update(
            privacy_contact="HR, Skovby Kommune, hr@skovby.example, 70 11 22 33",
            dpo_contact="Databeskyttelsesrådgiver Mette Lund, dpo@skovby.example",
        )
        programme.refresh_from_db()
        # After the rebuild: a deleted programme takes the accounts of its only managers.
        manager_user = ensure_user(*MANAGER)
        team_user = ensure_user(*TEAM_MANAGER)
        cofacilitator_user = ensure_user(*COFACILITATOR)
        services.set_logo(programme=programme, logo=demo_logo())
        today = timezone.localdate()
        dates = [
            today - datetime.timedelta(days=42),
            today,
            today + datetime.timedelta(days=35),
            today + datetime.timedelta(days=91),
        ]
        for seminar, date in zip(programme.seminars.all(), dates, strict=True):
            seminar.date = date
            seminar.place = "Skovby Rådhus, mødesal 2"
            seminar.save(update_fields=["date", "place"])

        units: dict[str, Unit] = {}
        for path, _employees in UNITS:
            parent_path, _, name = path.rpartition(" / ")
            units[path] = Unit.objects.create(
                programme=programme, parent=units.get(parent_path), name=name
            )
        names = set()
        participants = []
        for path, employees in UNITS:
            for _ in range(employees):
                while (name := f"{rng.choice(FIRST)} {rng.choice(LAST)}") in names:
                    pass
                names.add(name)
                email = name.lower().replace(" ", ".").replace("ø", "oe").replace("æ", "ae")
                participants.append(
                    Participant(
                        programme=programme,
                        unit=units[path],
                        name=name,
                        email=f"{email}@skovby.example",
                    )
                )
        for participant in participants:
            participant.save()

        ProgrammeManager.objects.create(programme=programme, user=manager_user)
        ProgrammeManager.objects.create(
            programme=programme, user=team_user, unit=units["Hjemmeplejen"]
        )
        # The client's HR consultant helps run this programme (and will keep it going).
        ProgrammeManager.objects.create(
            programme=programme, user=cofacilitator_user, role=ClientRole.COFACILITATOR
        )
        join_path = build_survey_rounds(programme, units, participants, rng)
        board_urls, wall_urls = build_boards(programme, units, rng)
        group_urls = build_group_work(programme)
        build_evaluations(programme, rng)
        documentation_urls = release_documentation(programme)
        plans_url = build_team_plans(programme, units)
        recovery_code = build_personal_plans(programme, units)
        formats = build_formats(workspace, rng)
        sessions = build_session(programme)
        projector_path = open_projector(programme)
        # Personal links for three people who have not yet answered the open round.
        waiting = [p for p in participants if not p.participations.filter(round__state="open")]
        links = services.issue_links(participants=waiting[:3])

        seminar_urls = [
            reverse("seminar_detail", args=[programme.pk, s.pk]) for s in programme.seminars.all()
        ]
        data = {
            "facilitator": {"username": FACILITATOR[0], "password": FACILITATOR[1]},
            "colleague": {"username": COLLEAGUE[0], "password": COLLEAGUE[1]},
            "workspace_url": reverse("workspace", args=[workspace.pk]),
            "manager": {"username": MANAGER[0], "password": MANAGER[1]},
            "team_manager": {
                "username": TEAM_MANAGER[0],
                "password": TEAM_MANAGER[1],
                "limited_to": "Hjemmeplejen",
            },
            "cofacilitator": {"username": COFACILITATOR[0], "password": COFACILITATOR[1]},
            "programme_url": reverse("programme_detail", args=[programme.pk]),
            "dashboard_url": reverse("results", args=[programme.pk]),
            "projector_url": projector_path,
            "join_url": join_path,
            "seminar_urls": seminar_urls,
            "board_urls": board_urls,
            "wall_urls": wall_urls,
            "group_urls": group_urls,
            "documentation_urls": documentation_urls,
            "sessions": sessions,
            "plans_url": plans_url,
            "personal_plan_url": reverse("plan_home"),
            "plan_recovery_code": recovery_code,
            "programmes": [
                {
                    "format": programme.template,
                    "title": programme.title,
                    "language": programme.language,
                    "programme_url": reverse("programme_detail", args=[programme.pk]),
                },
                *formats,
            ],
            "survey_urls": [link.path for link in links],
            "report_pdf_url": reverse("report_pdf", args=[programme.pk]),
            "participants": len(participants),
            "units": len(units),
        }
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo programme “{programme.title}” is ready: {len(units)} units, "
                f"{len(participants)} participants, 4 seminars."
            )
        )
        self.stdout.write(
            f"  Facilitator: {FACILITATOR[0]} / {FACILITATOR[1]} (owner of the workspace: "
            f"{data['workspace_url']})"
        )
        self.stdout.write(f"  Colleague:   {COLLEAGUE[0]} / {COLLEAGUE[1]} (a facilitator)")
        self.stdout.write(f"  Manager:     {MANAGER[0]} / {MANAGER[1]}")
        self.stdout.write(
            f"  Team manager (Hjemmeplejen only): {TEAM_MANAGER[0]} / {TEAM_MANAGER[1]}"
        )
        self.stdout.write(
            f"  Co-facilitator from the client (HR): {COFACILITATOR[0]} / {COFACILITATOR[1]}"
        )
        self.stdout.write(f"  Programme:   {data['programme_url']}")
        self.stdout.write(f"  Results dashboard: {data['dashboard_url']}")
        self.stdout.write(f"  Join the open survey round on a phone: {join_path}")
        self.stdout.write(f"  Projector view of the room: {projector_path}")
        self.stdout.write("  Boards (the facilitator's control view, then the wall):")
        for board_url, wall_url in zip(board_urls, wall_urls, strict=True):
            self.stdout.write(f"    {board_url}  {wall_url}")
        for session in sessions:
            self.stdout.write(
                f"  Seminar 2 is held again for the night shift ({session['label']}): "
                f"room code {session['room_code']}"
            )
        self.stdout.write("  The other formats:")
        for other in formats:
            self.stdout.write(f"    {other['title']} ({other['format']}): {other['programme_url']}")
        self.stdout.write("  Released documentation of seminars 1 and 2 (share links):")
        for url in documentation_urls:
            self.stdout.write(f"    {url}")
        self.stdout.write("  Personal participant links (issued just now):")
        for url in data["survey_urls"]:
            self.stdout.write(f"    {url}")
        if rebuilt:
            self.stdout.write(
                self.style.WARNING(
                    "  The demo was built again in the same programme: its addresses, room code "
                    "and projector link are unchanged, but personal links printed by an "
                    "earlier run no longer work (they are issued anew on every run)."
                )
            )


# A unit's typical answer (1-5) at baseline and its change by the repeat round.
UNIT_CLIMATE = {
    "Hjemmeplejen Nord": (3.4, 0.5),
    "Hjemmeplejen Syd": (3.0, 0.1),
    "Natholdet": (2.8, 0.3),
    "Afsnit A": (3.8, 0.2),
    "Afsnit B": (2.7, 0.6),
    "Køkkenet": (3.5, 0.0),
    "Visitationen": (3.2, -0.2),
    "Træning og Rehabilitering": (3.9, 0.1),
}


def build_survey_rounds(programme, units, participants, rng) -> str:
    """Two closed rounds (baseline, pulse) and an open repeat round, with realistic answers."""
    from surveys import services as surveys

    surveys.get_or_create_setup(programme=programme)
    seminars = {s.number: s for s in programme.seminars.all()}
    items = surveys.survey_items(programme)
    baseline = programme.rounds.create(title="Nulpunktsmåling", seminar=seminars[1])
    pulse = programme.rounds.create(title="Pulsmåling", seminar=seminars[2])
    repeat = programme.rounds.create(title="Ny temperaturmåling", seminar=seminars[3])
    for survey_round, share, wave in ((baseline, 0.85, 0), (pulse, 0.8, 0.5), (repeat, 0.6, 1)):
        surveys.open_round(round=survey_round)
        for participant in participants:
            if rng.random() > share:
                continue
            level, change = UNIT_CLIMATE[participant.unit.name]
            person = rng.gauss(level + wave * change, 0.6)
            answers = {}
            for item in items:
                if item.allow_dont_know and rng.random() < 0.1:
                    answers[item.pk] = surveys.DONT_KNOW
                elif rng.random() < 0.03:
                    continue  # skipped
                else:
                    answers[item.pk] = min(5, max(1, round(rng.gauss(person, 0.7))))
            language = "da" if rng.random() < 0.9 else "en"
            draft = surveys.new_draft(round=survey_round, language=language, unit=participant.unit)
            surveys.save_answers(draft=draft, answers=answers)
            surveys.submit(
                round_id=draft.round_id,
                draft_id=draft.pk,
                key=draft.idempotency_key,
                participant=participant,
            )
    surveys.close_round(round=baseline)
    surveys.close_round(round=pulse)
    from surveys.models import Event

    Event.objects.create(
        programme=programme,
        date=seminars[2].date,
        text="Ny afdelingsleder i Afsnit B",
        unit=units["Plejecenter Bøgely / Afsnit B"],
    )
    repeat = programme.rounds.select_related("seminar").get(pk=repeat.pk)
    return reverse("join_code", args=[surveys.room_code(repeat)])


def demo_programme(workspace) -> tuple[Programme, bool]:
    """The demo programme, emptied if an earlier run made it, so its addresses stay valid.

    Its id, its seminars and their room codes survive a rerun; everything in it is rebuilt.
    Any other programme in the demo workspace (made while trying the app) is deleted.
    """
    fields = {
        "organisation": "Skovby Kommune, Ældre og Sundhed",
        "title": "Social kapital i Ældreplejen 2026-27",
        "language": Programme.Language.DANISH,
    }
    programmes = list(Programme.objects.filter(workspace=workspace).order_by("pk"))
    kept = next((p for p in programmes if p.title == fields["title"]), None)
    if kept is not None and kept.seminars.count() != 4:  # changed beyond repair: start over
        kept = None
    for other in programmes:
        if other != kept:
            services.delete_programme(programme=other)
    if kept is None:
        return services.create_programme(workspace=workspace, **fields), False
    services.clear_programme(programme=kept)
    defaults = {
        name: Programme._meta.get_field(name).get_default()
        for name in ("min_group_size", "team_change_threshold", "programme_change_threshold")
    }
    Programme.objects.filter(pk=kept.pk).update(
        **fields,
        **defaults,
        template=Programme.Template.FOUR_SEMINARS,
        status=Programme.Status.ACTIVE,
    )
    kept.refresh_from_db()
    return kept, True


# The demo municipality's logo: a plain SVG, checked like any upload.
DEMO_LOGO = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 64">
  <circle cx="32" cy="32" r="28" fill="#1d6b52"/>
  <path d="M18 42 L32 16 L46 42 Z" fill="#ffffff"/>
  <rect x="29" y="36" width="6" height="10" fill="#7a4b22"/>
  <text x="72" y="30" font-family="sans-serif" font-size="22" font-weight="bold"
        fill="#1d6b52">Skovby</text>
  <text x="72" y="52" font-family="sans-serif" font-size="16" fill="#333333">Kommune</text>
</svg>"""


def demo_logo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from programmes import logo

    return logo.clean(SimpleUploadedFile("skovby.svg", DEMO_LOGO.encode()))


def demo_workspace_invitation(workspace, *, invited_by) -> None:
    """One colleague invited and not yet joined, so the workspace page shows an invitation
    (made here rather than e-mailed: the demo sends no mail)."""
    from programmes.models import WorkspaceInvitation, new_token

    WorkspaceInvitation.objects.filter(workspace=workspace).delete()
    WorkspaceInvitation.objects.create(
        workspace=workspace,
        email="sofie@trivsel.example",
        token_hash=new_token()[1],
        invited_by=invited_by,
        expires_at=timezone.now() + datetime.timedelta(days=14),
    )


def demo_display_token(seminar) -> str:
    """The demo's projector token, derived from the secret key: the same on every run."""
    return salted_hmac("demo.display", str(seminar.pk), algorithm="sha256").hexdigest()


def open_projector(programme) -> str:
    """A display link for the seminar whose survey round is open now."""
    from seminars.services import issue_display_token

    seminar = programme.seminars.filter(rounds__state="open").first()
    token = issue_display_token(seminar=seminar, token=demo_display_token(seminar))
    return reverse("display", args=[token])


# Board posts as people in Danish elder care write them: (text, unit path or "", tag).
GOOD_EXAMPLES = [
    ("Vi ringer til hinanden, når en borger har haft en dårlig nat", "", "collaboration"),
    (
        "Morgenmødet starter altid med, hvad der gik godt i går",
        "Hjemmeplejen / Hjemmeplejen Nord",
        "trust",
    ),
    ("Vagtplanen bliver lagt sammen med os, ikke bare sendt ud", "", "justice"),
    (
        "Køkkenet spørger beboerne, hvad de savner på menuen",
        "Plejecenter Bøgely / Køkkenet",
        "collaboration",
    ),
    ("Nye kolleger får en fast makker de første tre uger", "", "trust"),
    ("Når vi siger fra over for for mange besøg, bliver vi hørt", "", "justice"),
    (
        "Terapeuterne kommer med ud på besøg og viser øvelser",
        "Træning og Rehabilitering",
        "collaboration",
    ),
    ("Vi må gerne bruge tid på at sidde ned med en ensom borger", "", "trust"),
    ("Ledelsen forklarer, hvorfor en beslutning er truffet", "", "justice"),
    ("Vi deler gode løsninger på tavlen i frokoststuen", "", "collaboration"),
    (
        "Aftenvagten skriver en kort hilsen til dagvagten",
        "Hjemmeplejen / Natholdet",
        "collaboration",
    ),
    ("Man kan altid spørge en erfaren kollega uden at føle sig dum", "", "trust"),
]
IMPROVEMENT_AREAS = [
    ("Vi får besked om ændringer i køreplanen for sent", "Hjemmeplejen / Hjemmeplejen Syd"),
    ("Køreplanen ændres i sidste øjeblik uden forklaring", ""),
    ("Ingen tid til overlap mellem dag- og aftenvagt", ""),
    ("Overlappet mellem vagterne er for kort", "Plejecenter Bøgely / Afsnit B"),
    ("Vi ved ikke, hvordan ferien bliver fordelt", ""),
    ("Ferieønsker behandles forskelligt fra afsnit til afsnit", ""),
    ("Visitationen og hjemmeplejen taler forbi hinanden", "Visitationen"),
    ("For mange vikarer, der ikke kender borgerne", ""),
    ("Vi hører kun fra ledelsen, når noget er gået galt", ""),
    ("Det er svært at sige fra uden at blive set som besværlig", ""),
    ("Personalemøderne bliver ofte aflyst", ""),
    ("IT-systemet tager tid fra borgerne", ""),
    ("Vi får ikke at vide, hvad der sker med vores forslag", ""),
    ("Nattevagten bliver glemt, når der gives information", "Hjemmeplejen / Natholdet"),
]
# Improvement areas the facilitator merged: (title, dimension, indexes into the list above).
MERGED = [
    ("Information om køreplanen", "justice", (0, 1)),
    ("Overlap mellem vagterne", "collaboration", (2, 3)),
    ("Retfærdig fordeling af ferie", "justice", (4, 5)),
]


def build_boards(programme, units: dict[str, Unit], rng) -> tuple[list[str], list[str]]:
    """Boards in seminars 1-2 with posts, merged groups, tags, hidden posts and votes; the
    board of seminar 3 ready to open.

    Posts and votes go through the board services (the name guard, the budget); what the
    facilitator did (merging, tagging, hiding) is written directly. Returns the control
    views and the display links of seminars 1-3.
    """
    import uuid

    from seminars import services as rooms
    from seminars.models import Board, Post, PostGroup, Seat, Vote

    seminars = {s.number: s for s in programme.seminars.all()}
    Seat.objects.filter(seminar__programme=programme).delete()
    Vote.objects.filter(board__activity__seminar__programme=programme).delete()
    Post.objects.filter(board__activity__seminar__programme=programme).delete()
    PostGroup.objects.filter(board__activity__seminar__programme=programme).delete()
    guard = rooms.guard_for_programme(programme)
    # A seat's unit, as many as the unit has employees (some phones do not say).
    staffed = [(units[path], employees) for path, employees in UNITS if employees]
    seatable = [unit for unit, employees in staffed for _ in range(employees)]

    def seats(seminar, count: int) -> list[Seat]:
        return [
            Seat.objects.create(
                seminar=seminar,
                key=uuid.uuid4().hex,
                unit=rng.choice(seatable) if rng.random() < 0.8 else None,
                language="da",
            )
            for _ in range(count)
        ]

    def board_of(seminar, kind: str) -> Board:
        board = Board.objects.get(activity__seminar=seminar, kind=kind)
        Board.objects.filter(pk=board.pk).update(
            phase=Board.Phase.COLLECT, **rooms.default_board(kind), version=0
        )
        board.refresh_from_db()
        return board

    def post(board, seat, text, unit_path="") -> Post:
        unit = units.get(unit_path) if unit_path else None
        return rooms.add_post(
            board=board, seat=seat, text=text, key=uuid.uuid4(), unit=unit, guard=guard
        ).post

    # Seminar 1: good examples, tagged, one hidden; the room has moved on to the survey.
    first = board_of(seminars[1], Board.Kind.GOOD_EXAMPLES)
    room = seats(seminars[1], 38)
    for (text, unit_path, tag), seat in zip(GOOD_EXAMPLES, room, strict=False):
        made = post(first, seat, text, unit_path)
        PostGroup.objects.filter(pk=made.group_id).update(dimension=tag)
    off_topic = post(first, room[-1], "Kan vi ikke bare få mere i løn?")
    Post.objects.filter(pk=off_topic.pk).update(state=Post.State.HIDDEN)
    Board.objects.filter(pk=first.pk).update(phase=Board.Phase.REVEAL)

    # Seminar 2: improvement areas, merged and tagged, voted on; the results are shown.
    second = board_of(seminars[2], Board.Kind.IMPROVEMENT_AREAS)
    room = seats(seminars[2], 41)
    made = [
        post(second, seat, text, path)
        for (text, path), seat in zip(IMPROVEMENT_AREAS, room, strict=False)
    ]
    named = programme.participants.order_by("pk").first()
    held = post(second, room[20], f"{named.name} lytter aldrig til nattevagten")
    assert held.state == Post.State.REVIEW  # the name guard holds it for the facilitator
    Post.objects.filter(pk=made[11].pk).update(state=Post.State.HIDDEN)  # a complaint aside
    for title, tag, indexes in MERGED:
        into, *others = (made[i].group_id for i in indexes)
        Post.objects.filter(group_id__in=others).update(group_id=into)
        PostGroup.objects.filter(pk__in=others).delete()
        PostGroup.objects.filter(pk=into).update(title=title, dimension=tag)
    Board.objects.filter(pk=second.pk).update(phase=Board.Phase.VOTE)
    items = list(rooms.votable_groups(second).order_by("pk"))
    weights = [rng.uniform(0.2, 3.0) for _ in items]
    for seat in room[:36]:
        wanted: dict[int, int] = {}
        for _dot in range(second.dots_per_seat):
            choice = rng.choices(items, weights)[0]
            if wanted.get(choice.pk, 0) < second.dots_per_item:
                wanted[choice.pk] = wanted.get(choice.pk, 0) + 1
        rooms.vote(board=second, seat=seat, wanted=wanted)
    Board.objects.filter(pk=second.pk).update(phase=Board.Phase.RESULTS)
    seminars[2].wall, seminars[2].wall_board = "board", second
    seminars[2].save(update_fields=["wall", "wall_board"])

    # Seminar 3: wins, not open yet: the room's code leads to the repeat survey, and the
    # facilitator opens the board for writing from its control view.
    third = board_of(seminars[3], Board.Kind.WINS)
    Board.objects.filter(pk=third.pk).update(phase=Board.Phase.READY)
    seminars[1].wall, seminars[1].wall_board = "board", first
    seminars[1].save(update_fields=["wall", "wall_board"])

    board_urls, wall_urls = [], []
    for board in (first, second, third):
        seminar = board.activity.seminar
        board_urls.append(
            reverse("board_control", args=[programme.pk, seminar.pk, board.activity_id])
        )
        token = rooms.issue_display_token(seminar=seminar, token=demo_display_token(seminar))
        wall_urls.append(reverse("display", args=[token]))
    return board_urls, wall_urls


# What tables wrote under "Challenges" and "Goals and next steps" in seminar 1.
TABLE_NOTES = {
    "Hjemmeplejen Nord": (
        "Køreplanen ændres tit uden, at vi ved hvorfor. Vi savner tid til at tale sammen.",
        "Fast overlap på 15 minutter. Teamleder forklarer ændringer på morgenmødet.",
    ),
    "Hjemmeplejen Syd": (
        "Mange vikarer. Nye kolleger bliver kastet ud i det.",
        "Makkerordning for nye. Vi spørger visitationen, før vi siger fra.",
    ),
    "Afsnit A": (
        "Vi er gode til at hjælpe hinanden, men ferien fordeles uretfærdigt.",
        "Ferieplanen laves sammen på et personalemøde i januar.",
    ),
    "Afsnit B": (
        "Ny leder, og vi ved ikke, hvad der forventes af os.",
        "Møde med lederen om forventninger inden næste seminar.",
    ),
    "Visitationen": (
        "Vi hører sjældent fra hjemmeplejen, før noget er gået galt.",
        "En fast kontaktperson i hver hjemmeplejegruppe.",
    ),
}


def build_group_work(programme) -> list[str]:
    """Seminar 1's discussion at tables (one per team) with notes; its control view."""
    from django.utils import translation

    from seminars.models import GroupWork, WorkGroup
    from seminars.services import default_headings

    work = GroupWork.objects.filter(activity__seminar__programme=programme).first()
    WorkGroup.objects.filter(work=work).delete()
    with translation.override(programme.language):
        work.headings = default_headings()  # a programme made before group work had none
    challenges, goals = work.headings
    work.question = "Hvad ser vi i resultaterne, og hvad vil vi gøre ved det?"
    work.is_open = False
    work.save(update_fields=["headings", "question", "is_open"])
    tree = programme.unit_tree()
    for position, node in enumerate(n for n in tree.walk() if not n.children):
        texts = TABLE_NOTES.get(node.name)
        group = WorkGroup.objects.create(
            work=work,
            name=node.name,
            position=position,
            notes={challenges: texts[0], goals: texts[1]} if texts else {},
            notes_version=1 if texts else 0,
        )
        group.units.set([node.id])
    activity = work.activity
    return [reverse("group_control", args=[programme.pk, activity.seminar_id, activity.pk])]


WORKED = [
    "Gode eksempler fra vores egen hverdag",
    "At vi talte på tværs af teams",
    "Tid til at snakke i små grupper",
    "Resultaterne på skærmen gav noget at tale om",
    "Konkret og jordnært",
    "God stemning og plads til at sige tingene",
    "Facilitatoren holdt tiden",
    "At ledelsen lyttede",
]
CHANGE = [
    "Mere tid til grupperne",
    "Kortere oplæg",
    "Natholdet skal kunne deltage",
    "Pauser oftere",
    "Flere konkrete aftaler til sidst",
    "Bedre lyd i salen",
]
THEMES = {
    1: "Grupperne og de gode eksempler fungerede. Mange ønsker mere tid i grupperne og "
    "kortere oplæg; natholdet skal have en måde at deltage på.",
    2: "Afstemningen gav et klart billede. Ønske om flere konkrete aftaler til sidst.",
}


def build_evaluations(programme, rng) -> None:
    """Closed evaluations of seminars 1 and 2 with figures, comments and themes."""
    import uuid

    from seminars import evaluations
    from seminars.models import Evaluation, EvaluationAnswer, EvaluationResponse

    programme.evaluation_questions.all().delete()
    for number, answered in ((1, 31), (2, 27)):
        evaluation = Evaluation.objects.get(
            activity__seminar__programme=programme, activity__seminar__number=number
        )
        evaluation.responses.all().delete()
        asked = evaluations.asked_in(evaluation)
        for _ in range(answered):
            response = EvaluationResponse.objects.create(evaluation=evaluation, key=uuid.uuid4())
            rows = []
            for question in asked:
                if question.kind == "scale":
                    value = min(5, max(1, round(rng.gauss(3.9 if number == 1 else 4.2, 0.8))))
                    rows.append(EvaluationAnswer(response=response, question=question, value=value))
                elif rng.random() < 0.5:
                    pool = WORKED if question.position == 1 else CHANGE
                    rows.append(
                        EvaluationAnswer(
                            response=response, question=question, text=rng.choice(pool)
                        )
                    )
            EvaluationAnswer.objects.bulk_create(rows)
        evaluation.is_open = False
        evaluation.themes = THEMES[number]
        evaluation.save(update_fields=["is_open", "themes"])


# Team plans from seminar 2's two most-voted improvement areas, with actions in every state,
# and one plan from seminar 1 already followed up.
PLAN_ACTIONS = [
    [
        ("Fast overlap på 15 minutter mellem dag- og aftenvagt", "Birthe", 14, "in_progress"),
        ("Skriftlig overlevering i plejeplanen ved hvert vagtskifte", "Ahmed", 21, "planned"),
        ("Nattevagten får referat af personalemødet", "Lene", -3, "planned"),
    ],
    [
        ("Makkerordning for nye kolleger de første fire uger", "Mette", 7, "done"),
        ("Introduktionsmappe på afdelingen", "Jonas", 10, "stuck"),
        ("Velkomstmøde med lederen første dag", "", 30, "dropped"),
    ],
]
PLAN_GOALS = [
    (
        "Alle ved, hvad der er sket på vagten før, og ingen står alene med en borger, de ikke "
        "kender.",
        "Færre fejl ved vagtskifte, og vikarerne siger, at de fik det, de skulle bruge.",
        "collaboration",
    ),
    (
        "Personalemøderne bliver holdt, og de, der ikke kan komme, får det vigtigste at vide.",
        "Højst ét aflyst møde i kvartalet, og nattevagten siger, at de er med.",
        "justice",
    ),
]
FOLLOW_UPS = {
    "Makkerordning for nye kolleger de første fire uger": "To nye kolleger har haft en makker.",
    "Introduktionsmappe på afdelingen": "Mangler tid til at skrive den; tages op igen.",
}


def build_team_plans(programme, units) -> str:
    """Plans made from the voted improvement areas, with owners, dates and follow-ups; the
    planning row of seminar 2 open for phones."""
    import uuid

    from actionplans import services as plans
    from actionplans.models import PlanningRun, TeamPlan
    from seminars import boards
    from seminars.models import Board, PostGroup

    TeamPlan.objects.filter(programme=programme).delete()  # a rerun starts them afresh
    # The facilitator's picks for the manager's report: two good examples of seminar 1.
    examples = PostGroup.objects.filter(
        board__activity__seminar__programme=programme,
        board__kind=Board.Kind.GOOD_EXAMPLES,
        posts__state="visible",
    ).order_by("pk")
    PostGroup.objects.filter(pk__in=list(examples.values_list("pk", flat=True)[:2])).update(
        in_report=True
    )
    board = Board.objects.get(
        activity__seminar__programme=programme, kind=Board.Kind.IMPROVEMENT_AREAS
    )
    today = timezone.localdate()
    ranking = boards.for_facilitator(board).ranking
    for item, actions, (goal, sign, focus) in zip(ranking, PLAN_ACTIONS, PLAN_GOALS, strict=False):
        plan = plans.plan_from_item(request=None, item=PostGroup.objects.get(pk=item.pk))
        plan.goal, plan.success_sign, plan.focus = goal, sign, focus
        plan.unit = units["Plejecenter Bøgely / Afsnit A"]
        plan.save(update_fields=["goal", "success_sign", "focus", "unit"])
        for text, owner, days, status in actions:
            action = plans.add_action(
                request=None,
                plan=plan,
                text=text,
                owner=owner,
                due=today + datetime.timedelta(days=days),
                status=status,
            )
            if text in FOLLOW_UPS:
                plans.follow_up(
                    request=None,
                    action=action,
                    seminar=None,
                    status=status,
                    note=FOLLOW_UPS[text],
                    key=uuid.uuid4(),
                )
    activity = board.activity.seminar.activities.filter(kind="planning").order_by("position")[0]
    PlanningRun.objects.update_or_create(activity=activity, defaults={"is_open": True})
    return reverse("plans", args=[programme.pk])


# Personal plans, written through the same encryption as on a phone. Only counts show.
PERSONAL_GOALS = [
    ("Jeg vil sige det højt, når jeg har brug for hjælp.", "Spørge min makker ved frokost."),
    ("Jeg vil give en kollega ros hver uge.", "Starte på mandag med aftenholdet."),
    ("Jeg vil tage ordet på personalemødet.", "Skrive ét punkt ned før mødet."),
    ("Jeg vil lære de nye vikarer at kende.", "Præsentere mig ved vagtstart."),
    ("Jeg vil sige til, når planen ikke holder.", "Sige det til lederen samme dag."),
    ("Jeg vil holde pause sammen med de andre.", "Spise i personalestuen to dage om ugen."),
]


def build_personal_plans(programme, units) -> str:
    """Six plans in one team (so its count shows), two reflected on, one with a colleague's
    feedback; returns the first plan's recovery code for --json."""
    from actionplans import personal
    from actionplans.models import PersonalPlan

    PersonalPlan.objects.filter(programme=programme).delete()  # a rerun writes them afresh
    team = units["Hjemmeplejen / Hjemmeplejen Nord"]
    codes = []
    for n, (goal, first_step) in enumerate(PERSONAL_GOALS):
        codes.append(
            personal.write_plan(
                programme=programme,
                unit=team,
                fields={
                    "goal": goal,
                    "first_steps": first_step,
                    "support": "Min makker og min leder",
                    "check": "Ved seminar 3",
                },
                reflections=(
                    (
                        {
                            "went": "4",
                            "learned": "Det var lettere end jeg troede.",
                            "next": "Fortsætte",
                        },
                    )
                    if n < 2
                    else ()
                ),
                feedback=(
                    ({"works": "Et konkret første skridt.", "suggestion": "Aftal en dato."},)
                    if n == 0
                    else ()
                ),
            )
        )
    return codes[0]


def write_leadership_schema(leaders) -> None:
    """One leader's action schema on the leadership day (encrypted like every plan)."""
    from actionplans import personal

    personal.write_plan(
        programme=leaders,
        fields={
            "rows": [
                {
                    "occasion": "Morgenmødet",
                    "action": "Spørge, hvad der fylder, før jeg giver beskeder",
                    "for_staff": "Bliver hørt",
                    "for_citizens": "Roligere start på dagen",
                    "for_leader": "Ved, hvad der rører sig",
                },
                {
                    "occasion": "Fordeling af ekstravagter",
                    "action": "Forklare kriterierne åbent",
                    "for_staff": "Oplever retfærdighed",
                    "for_citizens": "Færre skiftende ansigter",
                    "for_leader": "Færre konflikter",
                },
            ]
        },
    )


def build_session(programme) -> list[dict]:
    """Seminar 2 held once more tonight for the night shift: its own code and projector,
    its boards and evaluation pooled with the day's. Its code survives a rerun."""
    from seminars.models import Session
    from surveys.services import unused_room_code

    seminar = programme.seminars.get(number=2)
    label = "Nattevagten"
    seminar.sessions.exclude(label=label).delete()
    session, _created = Session.objects.update_or_create(
        seminar=seminar,
        label=label,
        defaults={
            "date": seminar.date,
            "starts_at": datetime.time(21, 30),
            "ends_at": datetime.time(23, 0),
            "place": "Plejecenter Solhøj, personalestuen",
        },
    )
    if not session.room_code:
        session.room_code = unused_room_code()
        session.save(update_fields=["room_code"])
    return [
        {
            "seminar_url": reverse("seminar_detail", args=[programme.pk, seminar.pk]),
            "label": session.label,
            "room_code": session.room_code,
            "join_url": reverse("join_code", args=[session.room_code]),
        }
    ]


def release_documentation(programme) -> list[str]:
    """Seminars 1 and 2's documentation, released under links derived from the secret key."""
    from seminars.services import release_documentation as release

    seminars = programme.seminars.filter(number__in=(1, 2))
    seminars.update(summary="")
    first = seminars.get(number=1)
    first.summary = (
        "Vi så, at tilliden er høj i teamene, men lavere til ledelsen. Grupperne vil prøve et "
        "længere overlap og en makkerordning for nye kolleger."
    )
    first.save(update_fields=["summary"])
    urls = []
    for seminar in seminars.order_by("number"):
        token = release(request=None, seminar=seminar, nonce=f"demo-{seminar.pk}")
        urls.append(reverse("documentation_shared", args=[token]))
    return urls


# The other programme formats, small: enough to run each one's particular activities.
SCHOOLS = ["Björskogsskolan", "Kung Karls skola", "Ulvesundsskolan"]
TRIAL_TASKS = {
    "Björskogsskolan": "Vi provar en gemensam fikapaus för hela arbetslaget på fredagar.",
    "Kung Karls skola": "Vi turas om att leda arbetslagsmötet, med en fast dagordning.",
    "Ulvesundsskolan": "Vi ber rektor berätta hur beslut om schemat fattas.",
}
LOGBOOK = {
    "Björskogsskolan": [
        ("Fredagsfika två veckor i rad.", "Fler kom än vi trodde. Vi pratade om annat än jobb."),
        ("Bjöd in fritids till fikat.", "Bra samtal om överlämningen efter lunch."),
    ],
    "Kung Karls skola": [("Första mötet med roterande ordförande.", "Kortare möte, fler talade.")],
}
DILEMMAS = [
    "Vi skal spare, men medarbejderne skal opleve at blive hørt",
    "Jeg skal bakke op om en beslutning, jeg selv er uenig i",
    "Hvor meget skal jeg fortælle mit team, før noget er besluttet?",
    "Ensartede regler på tværs, eller plads til lokale løsninger?",
    "Hvordan giver jeg feedback opad i ledelseskæden?",
]


def build_formats(workspace, rng) -> list[dict]:
    """A three-workshop programme (in Swedish, with trial-period tasks and logbooks) and a
    leadership day (in Danish, with a dilemmas board open for posts)."""
    import uuid

    from seminars import services as rooms
    from seminars.models import Board, GroupWork, LogbookEntry, Seat, WorkGroup

    today = timezone.localdate()
    school = services.create_programme(
        workspace=workspace,
        organisation="Kungsörs kommun, Barn- och utbildningsförvaltningen",
        title="Socialt kapital i skolan 2027",
        language=Programme.Language.SWEDISH,
        template=Programme.Template.THREE_WORKSHOPS,
    )
    for number, days in ((1, -21), (2, 14), (3, 70)):
        school.seminars.filter(number=number).update(date=today + datetime.timedelta(days=days))
    units = [Unit.objects.create(programme=school, name=name) for name in SCHOOLS]
    work = GroupWork.objects.get(activity__seminar__programme=school, activity__seminar__number=1)
    (heading,) = work.heading_list[:1]
    for position, unit in enumerate(units):
        group = WorkGroup.objects.create(
            work=work,
            name=unit.name,
            position=position,
            notes={heading: TRIAL_TASKS[unit.name]},
            notes_version=1,
        )
        group.units.set([unit])
        for tried, happened in LOGBOOK.get(unit.name, []):
            LogbookEntry.objects.create(
                group=group, key=uuid.uuid4(), tried=tried, happened=happened
            )

    leaders = services.create_programme(
        workspace=workspace,
        organisation="Skovby Kommune",
        title="Ledelsesdag: social kapital i praksis",
        language=Programme.Language.DANISH,
        template=Programme.Template.LEADERSHIP_DAY,
    )
    leaders.seminars.update(date=today)
    for name in ("Direktionen", "Ældre og Sundhed", "Børn og Unge", "Teknik og Miljø"):
        Unit.objects.create(programme=leaders, name=name)
    day = leaders.seminars.get()
    board = Board.objects.get(activity__seminar=day, kind=Board.Kind.DILEMMAS)
    Board.objects.filter(pk=board.pk).update(phase=Board.Phase.COLLECT)
    board.refresh_from_db()
    guard = rooms.guard_for_programme(leaders)
    for text in DILEMMAS:
        seat = Seat.objects.create(seminar=day, key=uuid.uuid4().hex, language="da")
        rooms.add_post(board=board, seat=seat, text=text, key=uuid.uuid4(), guard=guard)
    write_leadership_schema(leaders)

    chain = build_leadership_chain(workspace, today)
    region = build_regional(workspace, today)
    return [
        {
            "format": programme.template,
            "title": programme.title,
            "language": programme.language,
            "programme_url": reverse("programme_detail", args=[programme.pk]),
        }
        for programme in (school, leaders, chain, region)
    ]


# The leadership chain's day: areas and levels as units, tables mixing the levels.
CHAIN_UNITS = {
    "Ældre og Sundhed": ("Centerchefer", "Afdelingsledere", "Teamledere"),
    "Børn og Unge": ("Skoleledere", "Dagtilbudsledere"),
}
NOW_PICTURE = [
    ("works", "Vi kender hinanden på tværs af niveauer efter sidste års ledertræf"),
    ("works", "Teamlederne tager beslutninger tæt på borgerne"),
    ("hard", "Beslutninger fra direktionen når sent ud til teamene"),
    ("hard", "For mange møder, for lidt tid til ledelse på gulvet"),
]
CHAIN_TABLES = {
    "Bord 1": (
        "Vi ser travle teamledere, der løser meget selv.",
        "Tidligere besked om beslutninger og hvorfor de er truffet.",
    ),
    "Bord 2": (
        "Afdelingslederne oplever at stå i klemme mellem krav og ressourcer.",
        "At direktionen kommer ud og ser hverdagen en gang i kvartalet.",
    ),
    "Bord 3": ("", ""),
}


def build_leadership_chain(workspace, today) -> Programme:
    """A day for a whole leadership chain (in Danish): the now-picture board with posts in
    both columns, and feedback across the levels at mixed tables."""
    import uuid

    from seminars import services as rooms
    from seminars.models import Board, GroupWork, Seat, WorkGroup

    chain = services.create_programme(
        workspace=workspace,
        organisation="Nordfjord Kommune",
        title="Ledertræf for hele ledelseskæden 2027",
        language=Programme.Language.DANISH,
        template=Programme.Template.LEADERSHIP_CHAIN,
    )
    chain.seminars.update(date=today + datetime.timedelta(days=21), place="Nordfjord Kulturhus")
    top = Unit.objects.create(programme=chain, name="Direktionen")
    levels = [top]
    for area, names in CHAIN_UNITS.items():
        parent = Unit.objects.create(programme=chain, name=area)
        levels += [Unit.objects.create(programme=chain, parent=parent, name=n) for n in names]
    day = chain.seminars.get()
    board = Board.objects.get(activity__seminar=day, kind=Board.Kind.NOW_PICTURE)
    Board.objects.filter(pk=board.pk).update(phase=Board.Phase.COLLECT)
    board.refresh_from_db()
    guard = rooms.guard_for_programme(chain)
    for column, text in NOW_PICTURE:
        seat = Seat.objects.create(seminar=day, key=uuid.uuid4().hex, language="da")
        rooms.add_post(
            board=board, seat=seat, text=text, key=uuid.uuid4(), column=column, guard=guard
        )
    Board.objects.filter(pk=board.pk).update(phase=Board.Phase.REVEAL)
    work = GroupWork.objects.filter(activity__seminar=day).order_by("activity__position")[0]
    seen, needed = work.heading_list[:2]
    for position, (name, (ours, theirs)) in enumerate(CHAIN_TABLES.items()):
        group = WorkGroup.objects.create(
            work=work,
            name=name,
            position=position,
            notes={seen: ours, needed: theirs} if ours else {},
            notes_version=1 if ours else 0,
        )
        group.units.set(levels[position::3])
    return chain


# A regional seminar: one unit per municipality; the morning's and the afternoon's tables
# mix municipalities differently; the last round of groups is one per municipality.
MUNICIPALITIES = ["Arboga", "Fagersta", "Köping", "Kungsör"]
MORNING = {
    "Bord 1: Kungsör + Köping": (
        "Köping har en fast fikastund där chefen alltid är med.",
        "Fasta tider då chefen finns på plats.",
    ),
    "Bord 2: Arboga + Fagersta": (
        "Fagersta låter nya kollegor gå bredvid i två veckor.",
        "En faddrar-lista för nyanställda.",
    ),
}
AFTERNOON = {
    "Bord 1: Kungsör + Arboga": (
        "Svårt att hinna prata med varandra mellan passen.",
        "Ett gemensamt överlämningsblad för dag- och kvällspass.",
    ),
    "Bord 2: Köping + Fagersta": (
        "Beslut kommer sent och utan förklaring.",
        "Bjuda in varandras chefer till en arbetsplatsträff i vår.",
    ),
}


def build_regional(workspace, today) -> Programme:
    """A regional seminar (in Swedish) held last week: mixed tables in the morning and,
    mixed anew, in the afternoon, with their notes; then one group per municipality."""
    from seminars.models import GroupWork, WorkGroup

    region = services.create_programme(
        workspace=workspace,
        organisation="KAK-kommunerna och Fagersta, vård och omsorg",
        title="Regional seminarium om socialt kapital",
        language=Programme.Language.SWEDISH,
        template=Programme.Template.REGIONAL,
    )
    region.seminars.update(date=today - datetime.timedelta(days=7), place="Arboga Folkets hus")
    units = {name: Unit.objects.create(programme=region, name=name) for name in MUNICIPALITIES}
    works = list(
        GroupWork.objects.filter(activity__seminar__programme=region).order_by("activity__position")
    )
    for work, tables in zip(works[:2], (MORNING, AFTERNOON), strict=True):
        first, second = work.heading_list[:2]
        for position, (name, (one, two)) in enumerate(tables.items()):
            group = WorkGroup.objects.create(
                work=work,
                name=name,
                position=position,
                notes={first: one, second: two},
                notes_version=1,
            )
            group.units.set([units[n] for n in name.split(": ", 1)[1].split(" + ")])
    for position, (name, unit) in enumerate(units.items()):
        group = WorkGroup.objects.create(work=works[2], name=name, position=position)
        group.units.set([unit])
    return region
