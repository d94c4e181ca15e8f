"""Our own item bank for the temperature survey, written in Danish, Swedish and English.

No wording is taken from COPSOQ or any other published instrument. The shipped standard
instrument (version 1) is created from STANDARD_V1 by a data migration; a later version gets
a new constant, never an edit of this one. A correction of language that leaves an item's
meaning as it was is made here and carried into existing databases by a data migration of
its own, with the old and new texts copied into it (0005_standard_item_wording).
"""

from __future__ import annotations

from typing import TypedDict


class BankItem(TypedDict):
    key: str
    subdimension: str
    core: bool
    allow_dont_know: bool
    da: str
    sv: str
    en: str


STANDARD_NAME = "Social capital temperature"

STANDARD_V1: list[BankItem] = [
    {
        "key": "tv-trusts-our-work",
        "subdimension": "trust_vertical",
        "core": True,
        "allow_dont_know": False,
        "da": "Ledelsen har tillid til, at vi gør vores arbejde godt.",
        "sv": "Ledningen litar på att vi gör vårt arbete bra.",
        "en": "Management trusts that we do our work well.",
    },
    {
        "key": "tv-rely-on-management",
        "subdimension": "trust_vertical",
        "core": True,
        "allow_dont_know": False,
        "da": "Vi kan regne med det, ledelsen fortæller os.",
        "sv": "Vi kan lita på det som ledningen säger till oss.",
        "en": "We can rely on what management tells us.",
    },
    {
        "key": "tv-safe-to-report",
        "subdimension": "trust_vertical",
        "core": False,
        "allow_dont_know": False,
        "da": "Det er trygt at fortælle ledelsen om problemer og fejl.",
        "sv": "Det är tryggt att berätta för ledningen om problem och misstag.",
        "en": "It is safe to tell management about problems and mistakes.",
    },
    {
        "key": "th-keep-agreements",
        "subdimension": "trust_horizontal",
        "core": True,
        "allow_dont_know": False,
        "da": "I mit team overholder vi de aftaler, vi laver med hinanden.",
        "sv": "I min arbetsgrupp håller vi de överenskommelser vi gör med varandra.",
        "en": "In my team we keep the agreements we make with each other.",
    },
    {
        "key": "th-admit-mistakes",
        "subdimension": "trust_horizontal",
        "core": True,
        "allow_dont_know": False,
        "da": "I mit team kan vi indrømme fejl og bede hinanden om hjælp.",
        "sv": "I min arbetsgrupp kan vi erkänna misstag och be varandra om hjälp.",
        "en": "In my team we can admit mistakes and ask each other for help.",
    },
    {
        "key": "th-share-information",
        "subdimension": "trust_horizontal",
        "core": False,
        "allow_dont_know": False,
        "da": "Mine kolleger deler den viden, andre har brug for i deres arbejde.",
        "sv": "Mina kollegor delar med sig av det som andra behöver veta i sitt arbete.",
        "en": "My colleagues share what others need to know to do their work.",
    },
    {
        "key": "jp-heard-before-decisions",
        "subdimension": "justice_process",
        "core": True,
        "allow_dont_know": False,
        "da": "Dem, det berører, bliver hørt, før der træffes beslutninger om vores arbejde.",
        "sv": "De som berörs blir hörda innan beslut om vårt arbete fattas.",
        "en": "Those affected are heard before decisions about our work are made.",
    },
    {
        "key": "jp-conflicts-fair",
        "subdimension": "justice_process",
        "core": True,
        "allow_dont_know": False,
        "da": "Konflikter på min arbejdsplads bliver håndteret retfærdigt.",
        "sv": "Konflikter på min arbetsplats hanteras på ett rättvist sätt.",
        "en": "Conflicts in my workplace are handled fairly.",
    },
    {
        "key": "jp-reasons-explained",
        "subdimension": "justice_process",
        "core": False,
        "allow_dont_know": False,
        "da": "Ledelsen forklarer baggrunden for sine beslutninger.",
        "sv": "Ledningen förklarar skälen till sina beslut.",
        "en": "Management explains the reasons for its decisions.",
    },
    {
        "key": "jd-workload-shared",
        "subdimension": "justice_distribution",
        "core": True,
        "allow_dont_know": False,
        "da": "Opgaver og arbejdsbyrde bliver fordelt retfærdigt i mit team.",
        "sv": "Uppgifter och arbetsbelastning fördelas rättvist i min arbetsgrupp.",
        "en": "Tasks and workload are shared fairly in my team.",
    },
    {
        "key": "jd-good-work-recognised",
        "subdimension": "justice_distribution",
        "core": False,
        "allow_dont_know": False,
        "da": "Godt arbejde bliver anerkendt på min arbejdsplads.",
        "sv": "Bra arbete blir uppmärksammat på min arbetsplats.",
        "en": "Good work is recognised in my workplace.",
    },
    {
        "key": "jd-no-favouritism",
        "subdimension": "justice_distribution",
        "core": False,
        "allow_dont_know": False,
        "da": "Alle bliver behandlet ens, uden at nogen bliver foretrukket.",
        "sv": "Alla behandlas lika, utan att någon blir favoriserad.",
        "en": "Everyone is treated alike, without anyone being favoured.",
    },
    {
        "key": "cb-help-at-peaks",
        "subdimension": "collaboration_bonding",
        "core": True,
        "allow_dont_know": False,
        "da": "I mit team hjælper vi hinanden, når der er travlt.",
        "sv": "I min arbetsgrupp hjälper vi varandra när det är mycket att göra.",
        "en": "In my team we help each other when there is a lot to do.",
    },
    {
        "key": "cb-shared-core-task",
        "subdimension": "collaboration_bonding",
        "core": False,
        "allow_dont_know": False,
        "da": "I mit team er vi enige om, hvad vores kerneopgave er.",
        "sv": "I min arbetsgrupp är vi överens om vad vårt kärnuppdrag är.",
        "en": "In my team we agree on what our core task is.",
    },
    {
        "key": "cbr-other-teams",
        "subdimension": "collaboration_bridging",
        "core": True,
        "allow_dont_know": True,
        "da": "Samarbejdet med de andre teams og faggrupper, vi er afhængige af, fungerer godt.",
        "sv": "Samarbetet med de andra arbetsgrupperna och yrkesgrupperna som vi är beroende "
        "av fungerar bra.",
        "en": "Collaboration with the other teams and professions we depend on works well.",
    },
    {
        "key": "cbr-across-units",
        "subdimension": "collaboration_bridging",
        "core": False,
        "allow_dont_know": True,
        "da": "Når en opgave går på tværs af enheder, løser vi den i fællesskab.",
        "sv": "När en uppgift berör flera enheter löser vi den tillsammans.",
        "en": "When a task involves several units, we solve it together.",
    },
    {
        "key": "cl-improve-together",
        "subdimension": "collaboration_linking",
        "core": True,
        "allow_dont_know": True,
        "da": "Mit team og vores ledere samarbejder godt om at forbedre arbejdet.",
        "sv": "Min arbetsgrupp och våra chefer samarbetar bra för att förbättra arbetet.",
        "en": "My team and our managers work well together on improving the work.",
    },
    {
        "key": "cl-front-line-heard",
        "subdimension": "collaboration_linking",
        "core": False,
        "allow_dont_know": True,
        "da": "Ledelsen tager idéer og forslag fra medarbejderne alvorligt.",
        "sv": "Ledningen tar idéer och förslag från medarbetarna på allvar.",
        "en": "Management takes ideas and suggestions from the staff seriously.",
    },
]
