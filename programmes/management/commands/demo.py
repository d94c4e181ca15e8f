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
from programmes.models import Membership, Participant, Programme, ProgrammeManager, Unit, Workspace

WORKSPACE = "Trivsel & Udvikling ApS"
FACILITATOR = ("facilitator", "demo-facilitator-2026", "Lene", "Kragh", "lene@trivsel.example")
MANAGER = ("manager", "demo-manager-2026", "Jens", "Holm", "jens.holm@skovby.example")
TEAM_MANAGER = ("teamleader", "demo-teamleader-2026", "Aisha", "Nielsen", "aisha@skovby.example")

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
        manager_user = ensure_user(*MANAGER)
        team_user = ensure_user(*TEAM_MANAGER)
        workspace, _ = Workspace.objects.get_or_create(name=WORKSPACE)
        Membership.objects.update_or_create(
            workspace=workspace, user=facilitator, defaults={"role": Membership.Role.OWNER}
        )
        programme, rebuilt = demo_programme(workspace)
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
        join_path = build_survey_rounds(programme, units, participants, rng)
        projector_path = open_projector(programme)
        # Personal links for three people who have not yet answered the open round.
        waiting = [p for p in participants if not p.participations.filter(round__state="open")]
        links = services.issue_links(participants=waiting[:3])

        seminar_urls = [
            reverse("seminar_detail", args=[programme.pk, s.number])
            for s in programme.seminars.all()
        ]
        data = {
            "facilitator": {"username": FACILITATOR[0], "password": FACILITATOR[1]},
            "manager": {"username": MANAGER[0], "password": MANAGER[1]},
            "team_manager": {
                "username": TEAM_MANAGER[0],
                "password": TEAM_MANAGER[1],
                "limited_to": "Hjemmeplejen",
            },
            "programme_url": reverse("programme_detail", args=[programme.pk]),
            "dashboard_url": reverse("results", args=[programme.pk]),
            "projector_url": projector_path,
            "join_url": join_path,
            "seminar_urls": seminar_urls,
            "survey_urls": [link.path for link in links],
            "report_pdf_url": None,
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
        self.stdout.write(f"  Facilitator: {FACILITATOR[0]} / {FACILITATOR[1]}")
        self.stdout.write(f"  Manager:     {MANAGER[0]} / {MANAGER[1]}")
        self.stdout.write(
            f"  Team manager (Hjemmeplejen only): {TEAM_MANAGER[0]} / {TEAM_MANAGER[1]}"
        )
        self.stdout.write(f"  Programme:   {data['programme_url']}")
        self.stdout.write(f"  Results dashboard: {data['dashboard_url']}")
        self.stdout.write(f"  Join the open survey round on a phone: {join_path}")
        self.stdout.write(f"  Projector view of the room: {projector_path}")
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


def demo_display_token(seminar) -> str:
    """The demo's projector token, derived from the secret key: the same on every run."""
    return salted_hmac("demo.display", str(seminar.pk), algorithm="sha256").hexdigest()


def open_projector(programme) -> str:
    """A display link for the seminar whose survey round is open now."""
    from seminars.services import issue_display_token

    seminar = programme.seminars.filter(rounds__state="open").first()
    token = issue_display_token(seminar=seminar, token=demo_display_token(seminar))
    return reverse("display", args=[token])
