"""The demo organisation: a realistic French training provider, built through the services.

`build_demo(learners=N, seed=S, today=D)` plans everything first with `random.Random(seed)`
(same seed and same `today`, same data), then writes it through the domain services in one
transaction, so the journal of the demo is a real one. Dates are relative to `today`: there
are past, current and future sessions whatever the day the demo is built.

Every account shares one password, `DEMO_PASSWORD`; the e-mail addresses are on the
`demo.parcours.fr` domain, never a real person's address.

The current sessions have their attendance (trainer's pointing, mostly present) and, where
they have a platform, their LMS activity (imported as an export would be). So that the
dropout-prevention procedure has work on the first night, four learners have missed
their last séances (three or more unexcused absences in a row, one with an excused
absence inside the run), one has missed two (no case yet) and three have not been on the
platform for two weeks or more: on a fresh demo, one `parcours worker --once` opens their
follow-up cases and sends their first reminders. Learners with a disability have their
adaptation sheets (needs, measures, attestations).
"""

import datetime as dt
import math
import random
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from parcours.attendance import services as attendance_services
from parcours.attendance.models import AttendanceStatus, Method
from parcours.core.imports import run_import
from parcours.core.models import Membership, Organisation, Role, Site, User
from parcours.core.services import create_member, create_organisation, create_site
from parcours.demo.complaints import build_complaints_demo
from parcours.demo.feedback import build_feedback_demo
from parcours.learners import services as learner_services
from parcours.learners.models import (
    Employer,
    Enrolment,
    EnrolmentStatus,
    Funder,
    FunderKind,
    Learner,
    Tutor,
)
from parcours.lib import exports
from parcours.programmes import services as programme_services
from parcours.programmes.models import Category, Modality, Session, Slot, Trainer
from parcours.safeguarding import services as safeguarding_services

DEMO_SLUG = "demo"
DEMO_NAME = "Atelier Formation Rhône-Alpes"
DEMO_PASSWORD = "parcours-demo"  # noqa: S105 (documented in the README: demo only)
DEMO_DOMAIN = "demo.parcours.fr"
DEFAULT_LEARNERS = 120
DEFAULT_SEED = 1
RISK_HISTORY_WEEKS = 6  # past nightly snapshots replayed, one a week (the worker adds today's)

ROLE_ORDER = [Role.DIRECTION, Role.QUALITE, Role.SUIVI, Role.TUTEUR, Role.APPRENANT, Role.AUDITEUR]


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",")]


FIRST_NAMES = _names(
    """
    Camille, Léa, Manon, Chloé, Emma, Inès, Sarah, Julie, Laura, Marie, Pauline, Anaïs,
    Clara, Lucie, Océane, Mathilde, Élise, Charlotte, Justine, Amandine, Nadia, Yasmine,
    Fatou, Aïcha, Sofia, Zoé, Louise, Jade, Margaux, Audrey, Céline, Sandrine, Nathalie,
    Valérie, Hélène, Émilie, Morgane, Lina, Salomé, Maëlle, Lucas, Hugo, Thomas, Nicolas,
    Julien, Maxime, Antoine, Alexandre, Kévin, Romain, Mehdi, Yanis, Karim, Rayan, Bilal,
    Moussa, Mamadou, Théo, Enzo, Nathan, Louis, Arthur, Gabriel, Jules, Paul, Quentin,
    Florian, Baptiste, Adrien, Mathieu, Sébastien, Olivier, Christophe, Frédéric, Laurent,
    Damien, Jérémy, Samuel, Vincent, Bastien, Cédric, Grégory, Sylvain, Loïc, Dylan, Noah
    """
)
LAST_NAMES = _names(
    """
    Martin, Bernard, Thomas, Petit, Robert, Richard, Durand, Dubois, Moreau, Laurent, Simon,
    Michel, Lefèvre, Leroy, Roux, David, Bertrand, Morel, Fournier, Girard, Bonnet, Dupont,
    Lambert, Fontaine, Rousseau, Vincent, Muller, Faure, André, Mercier, Blanc, Guérin,
    Boyer, Garnier, Chevalier, François, Legrand, Gauthier, Garcia, Perrin, Robin, Clément,
    Morin, Henry, Roussel, Mathieu, Masson, Marchand, Duval, Denis, Dumont, Lemaire, Noël,
    Meyer, Dufour, Meunier, Brun, Blanchard, Giraud, Joly, Rivière, Brunet, Gaillard,
    Barbier, Arnaud, Martinez, Gérard, Roche, Renard, Schmitt, Roy, Colin, Vidal, Caron,
    Picard, Fabre, Aubert, Lemoine, Renaud, Dumas, Lacroix, Bourgeois, Benoît, Rey, Leclerc,
    Rolland, Guillaume, Lecomte, Lopez, Dupuy, Guillot, Hubert, Berger, Carpentier, Sanchez,
    Moulin, Deschamps, Huet, Perez, Boucher, Fleury, Royer, Klein, Jacquet, Poirier, Marty,
    Aubry, Guyot, Carré, Charpentier, Ménard, Maillard, Baron, Bertin, Bailly, Hervé,
    Fernandez, Le Gall, Bouvier, Prévost, Millet, Perrot, Le Roux, Germain, Besson, Langlois,
    Le Goff, Pelletier, Lévêque, Perrier, Leblanc, Lebrun, Weber, Hamon, Boulanger, Michaud,
    Rodriguez, Gillet, Étienne, Tessier, Chauvin, Da Silva, Bouchet, Humbert, Reynaud,
    Barthélemy, Cordier, Pichon, Lejeune, Delaunay, Pasquier, Laporte, Nguyen, Benali,
    Haddad, N'Diaye, Diallo, Traoré, Mansour, Ferreira, Rossi, Yilmaz, Tran, Ait Ahmed
    """
)


@dataclass(frozen=True)
class ProgrammeSpec:
    code: str
    title: str
    category: str
    modality: str
    hours: int
    days: str
    span: int  # calendar days from a session's first day to its last
    starts: tuple[int, ...]  # its sessions' first days, in days from today
    capacity: int
    trainers: tuple[str, ...]
    description: str
    certification: str = ""  # RNCP / RS code of a certifying programme (demo values)
    sector: str = ""  # where its apprentices work


PROGRAMMES = [
    ProgrammeSpec(
        "AF-CGP", "Comptabilité et gestion de paie", Category.AF, Modality.PRESENTIEL,
        210, "30", 110, (-300, -45, 35), 12, ("lambert",),
        "Tenir la comptabilité courante, établir les bulletins de paie et les déclarations sociales.",
    ),
    ProgrammeSpec(
        "AF-TPSA", "Titre professionnel Secrétaire assistant", Category.AF, Modality.HYBRIDE,
        560, "80", 180, (-400, -100, 50), 12, ("lambert", "bonnet"),
        "Assurer les travaux administratifs courants et l'accueil ; préparer le titre du ministère du Travail.",
        certification="RNCP36805",
    ),
    ProgrammeSpec(
        "AF-EXC", "Excel perfectionnement : tableaux croisés et automatisation", Category.AF,
        Modality.HYBRIDE, 21, "3", 10, (-75, -4, 40), 10, ("bonnet",),
        "Fonctions avancées, tableaux croisés dynamiques, premières macros.",
    ),
    ProgrammeSpec(
        "AF-SST", "Sauveteur secouriste du travail (SST)", Category.AF, Modality.PRESENTIEL,
        14, "2", 2, (-120, 20), 10, ("bonnet",),
        "Porter secours en entreprise et contribuer à la prévention des risques professionnels.",
        certification="RS5681",
    ),
    ProgrammeSpec(
        "AF-MGT", "Manager une équipe : prise de poste", Category.AF, Modality.HYBRIDE,
        35, "5", 56, (-150, 70), 10, ("benhamou",),
        "Prendre sa place de manager, conduire les entretiens, animer une équipe.",
    ),
    ProgrammeSpec(
        "BC-24", "Bilan de compétences 24 h", Category.BC, Modality.PRESENTIEL,
        24, "3.5", 70, (-200, -35, 14), 6, ("dubois",),
        "Analyser ses compétences, ses aptitudes et ses motivations ; construire un projet professionnel.",
    ),
    ProgrammeSpec(
        "BC-12D", "Bilan de compétences à distance 12 h", Category.BC, Modality.DISTANCIEL,
        12, "2", 35, (-80, 28), 5, ("dubois",),
        "Format court en classe virtuelle, pour un projet déjà esquissé.",
    ),
    ProgrammeSpec(
        "VAE-MCO", "VAE accompagnement BTS MCO", Category.VAE, Modality.HYBRIDE,
        24, "3.5", 180, (-330, -95, 30), 8, ("marchand",),
        "Accompagnement à la rédaction du livret 2 et préparation à l'entretien avec le jury.",
        certification="RNCP38362",
    ),
    ProgrammeSpec(
        "VAE-ADVF", "VAE accompagnement titre professionnel Assistant de vie aux familles",
        Category.VAE, Modality.DISTANCIEL, 20, "3", 150, (-50, 60), 8, ("marchand",),
        "Dossier professionnel, mise en situation et entretien final.",
        certification="RNCP35506",
    ),
    ProgrammeSpec(
        "APP-MCO", "BTS MCO en apprentissage", Category.APP, Modality.HYBRIDE,
        1350, "193", 700, (-755, -390, -25, 340), 18, ("benhamou", "lambert"),
        "BTS Management commercial opérationnel, deux ans en alternance (école / entreprise).",
        certification="RNCP38362", sector="commerce",
    ),
    ProgrammeSpec(
        "APP-CUI", "CAP Cuisine en apprentissage", Category.APP, Modality.PRESENTIEL,
        800, "114", 700, (-745, -380, 20), 14, ("faure",),
        "CAP Cuisine en deux ans : techniques de base, production, hygiène et sécurité.",
        certification="RNCP37859", sector="restauration",
    ),
    ProgrammeSpec(
        "APP-TPAC", "Titre professionnel Assistant comptable en apprentissage", Category.APP,
        Modality.HYBRIDE, 700, "100", 350, (-400, -20, 345), 12, ("lambert",),
        "Un an en alternance : comptabilité courante, travaux de fin d'exercice, paie.",
        certification="RNCP37204", sector="comptabilite",
    ),
]  # fmt: skip

# Share of the learners in each category, and of the future sessions' weight.
CATEGORY_WEIGHTS: dict[str, int] = {
    Category.AF: 40,
    Category.BC: 15,
    Category.VAE: 12,
    Category.APP: 33,
}
FUTURE_WEIGHT = 0.6

STAFF = {
    # key: (role, email local part, first name, last name, trainer speciality or None)
    "direction": (Role.DIRECTION, "direction", "Isabelle", "Moreau", None),
    "qualite": (Role.QUALITE, "qualite", "Thomas", "Girard", None),
    "lambert": (Role.SUIVI, "suivi", "Sophie", "Lambert", "Comptabilité, gestion, paie"),
    "benhamou": (Role.SUIVI, "formateur", "Karim", "Benhamou", "Commerce, vente, management"),
    "auditeur": (Role.AUDITEUR, "auditeur", "Nathalie", "Chevalier", None),
}
TRAINERS = {
    # trainers without an account
    "bonnet": ("Marc", "Bonnet", "Bureautique, secourisme (SST)"),
    "dubois": ("Claire", "Dubois", "Psychologue du travail, bilans de compétences"),
    "marchand": ("Élodie", "Marchand", "Accompagnement VAE"),
    "faure": ("Julien", "Faure", "Cuisine, hygiène alimentaire (HACCP)"),
}

SITES = [
    ("lyon", "Lyon Part-Dieu", "27 rue Servient", "69003", "Lyon"),
    ("grenoble", "Grenoble Europole", "8 rue Pierre Sémard", "38000", "Grenoble"),
]
ROOMS = {
    "lyon": ["Salle Saône", "Salle Rhône", "Salle Fourvière"],
    "grenoble": ["Salle Belledonne", "Salle Vercors"],
}

FUNDERS = [
    ("atlas", "OPCO Atlas", FunderKind.OPCO),
    ("ep", "OPCO EP", FunderKind.OPCO),
    ("ft", "France Travail", FunderKind.FRANCE_TRAVAIL),
    ("region", "Région Auvergne-Rhône-Alpes", FunderKind.REGION),
    ("cpf", "Mon Compte Formation (CPF)", FunderKind.CPF),
    ("entreprise", "Employeur (plan de développement des compétences)", FunderKind.EMPLOYER),
]
FUNDER_WEIGHTS: dict[str, dict[str, int]] = {
    Category.AF: {"ft": 35, "region": 20, "cpf": 20, "atlas": 15, "entreprise": 10},
    Category.BC: {"cpf": 70, "entreprise": 15, "ft": 15},
    Category.VAE: {"cpf": 50, "ft": 25, "region": 25},
}
SECTOR_FUNDER = {"commerce": "ep", "restauration": "ep", "comptabilite": "atlas"}

EMPLOYERS = {
    "commerce": [
        "Optique du Centre", "Maison Perrin Épicerie fine", "Sport Montagne Équipement",
        "Librairie du Tramway", "Jardinerie du Dauphiné", "Boutique Mode & Style",
        "Cave Saint-Vincent", "Fromagerie des Halles",
    ],
    "restauration": [
        "Brasserie du Marché", "Le Bouchon Gourmand", "Hôtel-Restaurant Le Belvédère",
        "Traiteur Gones & Saveurs", "Restaurant L'Alpage", "Bistrot de la Gare",
    ],
    "comptabilite": [
        "Cabinet Durand Expertise Comptable", "Fiduciaire des Alpes", "Audit Conseil Rhône",
        "Compta Services Isère", "Cabinet Roussel & Associés",
    ],
}  # fmt: skip
EMPLOYER_PREFIXES = {
    "commerce": ["Boutique", "Magasin", "Comptoir"],
    "restauration": ["Restaurant", "Brasserie", "Auberge"],
    "comptabilite": ["Cabinet", "Expertise comptable", "Fiduciaire"],
}
TUTOR_TITLES = {
    "commerce": ["Responsable de magasin", "Gérant", "Responsable des ventes"],
    "restauration": ["Chef de cuisine", "Second de cuisine", "Gérante"],
    "comptabilite": ["Expert-comptable", "Cheffe de mission", "Collaborateur comptable"],
}
EMPLOYER_TOWNS = [
    ("69002", "Lyon"), ("69004", "Lyon"), ("69007", "Lyon"), ("69100", "Villeurbanne"),
    ("69200", "Vénissieux"), ("69500", "Bron"), ("38000", "Grenoble"), ("38100", "Grenoble"),
    ("38400", "Saint-Martin-d'Hères"), ("38130", "Échirolles"), ("38500", "Voiron"),
]  # fmt: skip
STREETS = [
    "rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "rue Pasteur",
    "boulevard Gambetta", "avenue de la Libération", "rue du Commerce", "place de la Mairie",
]  # fmt: skip

REASONS = [
    "Reprise d'un emploi en CDI",
    "Problèmes de santé",
    "Difficultés financières",
    "Contraintes familiales (garde d'enfants)",
    "Déménagement hors de la région",
    "Réorientation vers un autre projet professionnel",
    "Difficultés de transport",
    "Formation ne correspondant pas aux attentes",
    "Absences répétées non justifiées",
]
APP_REASONS = [
    "Rupture du contrat d'apprentissage à l'initiative de l'employeur",
    "Rupture du contrat d'apprentissage d'un commun accord",
    "Rupture pendant la période d'essai",
    "Problèmes de santé",
    "Réorientation vers un autre métier",
    "Difficultés de transport",
]
WITHDRAWAL_REASONS = [
    "Désistement avant l'entrée en formation",
    "Financement refusé",
    "Ne s'est pas présenté(e) à l'entrée en formation",
]
# Needs of the learners in situation of disability, and the adaptations agreed with them:
# they go to each one's adaptation sheet (health information, never to the learner's notes).
DISABILITIES: list[tuple[str, list[str], list[tuple[str, str]]]] = [
    (
        "RQTH : lombalgie chronique, la station assise prolongée est douloureuse.",
        ["sante", "mobilite"],
        [
            ("technique", "Siège ergonomique et repose-pieds installés dans la salle."),
            ("organisationnelle", "Pause de dix minutes chaque heure ; se lever en séance."),
        ],
    ),
    (
        "Trouble dys (dyslexie) : lecture lente, fatigue en fin de séance.",
        ["cognitif"],
        [
            ("pedagogique", "Supports remis à l'avance, en police adaptée (Arial 14)."),
            ("organisationnelle", "Tiers-temps aux évaluations écrites."),
        ],
    ),
    (
        "Déficience auditive (appareillée) : difficulté à suivre les échanges en groupe.",
        ["auditif"],
        [
            ("organisationnelle", "Place au premier rang, face au formateur."),
            ("pedagogique", "Consignes et synthèses systématiquement remises par écrit."),
        ],
    ),
    (
        "Mobilité réduite : déplacements en fauteuil roulant.",
        ["mobilite"],
        [
            ("organisationnelle", "Séances en salle de plain-pied, stationnement réservé."),
            ("technique", "Poste de travail à hauteur réglable."),
        ],
    ),
]

# The end of an absence run at the last séances before today, for the learners that the
# default procedure (three unexcused absences in a row) catches; an excused absence
# neither counts nor breaks the run. The near miss has two: no case yet.
A, E, R = "absent", "excuse", "retard"
ABSENCE_RUNS = [[A, A, A], [A, A, A, A], [A, E, A, A], [R, A, A, A]]
NEAR_MISS_RUN = [A, E, A]
EXCUSES = [
    "Certificat médical transmis",
    "Convocation administrative (justificatif reçu)",
    "Enfant malade : justificatif transmis",
    "Grève des transports : attestation fournie",
]
LMS_KINDS = ["resource", "resource", "quiz", "forum", "login"]
ACTIVITY_DAYS = 70  # the LMS export of the demo covers the last ten weeks

MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
]  # fmt: skip
# (weekday, start, end) of a session's weekly séances, by category.
WEEKLY_SLOTS: dict[str, list[tuple[int, dt.time, dt.time]]] = {
    Category.AF: [(1, dt.time(9), dt.time(12, 30)), (3, dt.time(13, 30), dt.time(17))],
    Category.APP: [(1, dt.time(8, 30), dt.time(12)), (3, dt.time(13), dt.time(17))],
    Category.BC: [(2, dt.time(14), dt.time(16))],
    Category.VAE: [(3, dt.time(17, 30), dt.time(19, 30))],
}
MAX_SLOT_WEEKS = 8  # a long session gets its séances of the last two months only


@dataclass(frozen=True)
class Login:
    role: str
    role_label: str
    email: str
    name: str
    expires_at: dt.datetime | None = None


@dataclass
class DemoResult:
    organisation: Organisation
    logins: list[Login]
    counts: dict[str, int]


@dataclass
class _Session:
    spec: ProgrammeSpec
    start: dt.date
    end: dt.date
    external_id: str
    title: str
    site: str | None
    trainers: list[str]
    capacity: int = 0
    weight: float = 1.0


@dataclass
class _Enrolment:
    session: int
    enrolled_on: dt.date
    funder: str
    steps: list[tuple[str, dt.date, str]] = field(default_factory=list)
    # Attendance at the séances before today: ((day, start), status, justification).
    marks: list[tuple[tuple[dt.date, dt.time], str, str]] = field(default_factory=list)
    # LMS activity: (day, kind, count).
    activity: list[tuple[dt.date, str, int]] = field(default_factory=list)
    employer: int | None = None
    tutor: int | None = None

    @property
    def status(self) -> str:
        return self.steps[-1][0] if self.steps else EnrolmentStatus.INSCRIT


@dataclass
class _Learner:
    external_id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    birth_date: dt.date
    disability: bool = False
    notes: str = ""
    adaptations: int | None = None  # index in DISABILITIES
    employer: int | None = None
    enrolments: list[_Enrolment] = field(default_factory=list)


@dataclass
class _Employer:
    sector: str
    name: str
    siret: str
    address: str
    postal_code: str
    city: str
    contact: tuple[str, str]
    tutors: list[tuple[str, str, str]] = field(default_factory=list)  # first, last, title


def demo_organisation() -> Organisation | None:
    return Organisation.objects.filter(slug=DEMO_SLUG).first()


def demo_logins(organisation: Organisation) -> list[Login]:
    """One login per role: the first account created for it."""
    memberships = Membership.objects.filter(organisation=organisation).select_related("user")
    first: dict[str, Membership] = {}
    for membership in memberships.order_by("user_id"):
        first.setdefault(membership.role, membership)
    return [
        Login(
            role=role,
            role_label=str(Role(role).label),
            email=first[role].user.email,
            name=first[role].user.get_full_name(),
            expires_at=first[role].expires_at,
        )
        for role in ROLE_ORDER
        if role in first
    ]


def build_demo(
    *,
    learners: int = DEFAULT_LEARNERS,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
) -> DemoResult:
    """Build the demo organisation (slug `demo`); the caller checks it does not exist yet."""
    if learners < 1:
        raise ValueError("at least one learner")
    plan = _Plan(
        random.Random(seed),  # noqa: S311 (reproducible demo data)
        today or timezone.localdate(),
        learners,
    )
    with transaction.atomic():
        return _Writer(plan).write()


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in plain.lower()).split())


def _with_check_digit(payload: str) -> str:
    """Append the Luhn check digit, as SIRET numbers have."""
    total = 0
    for i, char in enumerate(reversed(payload)):
        digit = int(char) * (2 if i % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return payload + str((10 - total % 10) % 10)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _weekday_back(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _slot_times(s: "_Session", today: dt.date) -> list[tuple[dt.date, dt.time, dt.time]]:
    """The séances of a past or current session: weekly ones over its last two months up
    to next week, or every day of a short one; none for a future session."""
    if s.start > today:
        return []
    last = min(s.end, today + dt.timedelta(days=7))
    first = max(s.start, _monday(last) - dt.timedelta(weeks=MAX_SLOT_WEEKS - 1))
    times: list[tuple[dt.date, dt.time, dt.time]] = []
    if (s.end - s.start).days < 7:
        day = s.start
        while day <= s.end:
            times += [(day, dt.time(9), dt.time(12, 30)), (day, dt.time(13, 30), dt.time(17))]
            day += dt.timedelta(days=1)
        return times
    week = _monday(first)
    while week <= last:
        for weekday, start, end in WEEKLY_SLOTS[s.spec.category]:
            day = week + dt.timedelta(days=weekday)
            if first <= day <= last:
                times.append((day, start, end))
        week += dt.timedelta(weeks=1)
    return times


class _Plan:
    """Everything the demo holds, decided before anything is written."""

    def __init__(self, rng: random.Random, today: dt.date, learner_count: int) -> None:
        self.rng = rng
        self.today = today
        self.siret = _with_check_digit("8123456780001")
        self.sessions = self._sessions()
        self.employers: list[_Employer] = []
        self.demo_tutor = (0, 0)  # (employer, tutor) of the tuteur account
        self.learners = self._learners(learner_count)
        self._employers_and_tutors()
        self._dropouts()
        self.absentees: list[tuple[int, _Enrolment]] = []  # the learners the procedure catches
        self.inactive: list[tuple[int, _Enrolment]] = []
        self.near_miss: tuple[int, _Enrolment] | None = None
        self._attendance_and_activity()
        counts = Counter(e.session for learner in self.learners for e in learner.enrolments)
        for index, session in enumerate(self.sessions):
            session.capacity = max(session.spec.capacity, counts[index] + rng.randint(0, 3))

    # Sessions -------------------------------------------------------------------------

    def _sessions(self) -> list[_Session]:
        sessions = []
        for spec in PROGRAMMES:
            for offset in spec.starts:
                start = _monday(self.today + dt.timedelta(days=offset))
                end = _weekday_back(start + dt.timedelta(days=max(spec.span - 1, 0)))
                if spec.modality == Modality.DISTANCIEL:
                    site = None
                else:
                    site = self.rng.choice(["lyon", "lyon", "grenoble"])
                where = {"lyon": "Lyon", "grenoble": "Grenoble", None: "à distance"}[site]
                trainers = sorted(
                    self.rng.sample(spec.trainers, self.rng.randint(1, len(spec.trainers)))
                )
                sessions.append(
                    _Session(
                        spec=spec,
                        start=start,
                        end=end,
                        external_id=f"{spec.code}-{start:%Y%m%d}",
                        title=f"{spec.title} — {where}, {MONTHS[start.month - 1]} {start.year}",
                        site=site,
                        trainers=trainers,
                        weight=FUTURE_WEIGHT if start > self.today else 1.0,
                    )
                )
        return sessions

    def period(self, index: int) -> str:
        s = self.sessions[index]
        if self.today < s.start:
            return "future"
        return "past" if self.today > s.end else "current"

    # Learners and their enrolments ----------------------------------------------------

    def _pick_session(self, category: str | None = None, exclude: int | None = None) -> int:
        if category is None:
            categories = list(CATEGORY_WEIGHTS)
            category = self.rng.choices(categories, [CATEGORY_WEIGHTS[c] for c in categories])[0]
        candidates = [
            i for i, s in enumerate(self.sessions) if s.spec.category == category and i != exclude
        ]
        weights = [self.sessions[i].weight * self.sessions[i].spec.capacity for i in candidates]
        return self.rng.choices(candidates, weights)[0]

    def _first_current(self, category: str) -> int:
        for i, s in enumerate(self.sessions):
            if s.spec.category == category and s.start < self.today <= s.end:
                return i
        return self._pick_session(category)

    def _learners(self, count: int) -> list[_Learner]:
        rng = self.rng
        disabled = set(rng.sample(range(count), max(1, round(count * 0.06))))
        short = [i for i, s in enumerate(self.sessions) if s.spec.code in {"AF-SST", "AF-EXC"}]
        emails: set[str] = set()
        learners = []
        for n in range(count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            # The demo's apprenant account follows the first learner, its tutor the second's.
            if n == 0:
                primary = self._first_current(Category.AF)
            elif n == 1:
                primary = self._first_current(Category.APP)
            else:
                primary = self._pick_session()
            category = self.sessions[primary].spec.category
            youngest, oldest = (16, 26) if category == Category.APP else (22, 56)
            birth = self.today.replace(month=1, day=1) - dt.timedelta(
                days=rng.randint(youngest * 365, oldest * 365)
            )
            email = f"{_ascii(first)}.{_ascii(last)}@apprenants.{DEMO_DOMAIN}"
            if email in emails:
                email = email.replace("@", f".{n + 1}@")
            emails.add(email)
            learner = _Learner(
                external_id=f"DEMO-{n + 1:05d}",
                first_name=first,
                last_name=last,
                email=email,
                phone=f"0{rng.choice('67')} {' '.join(f'{rng.randint(0, 99):02d}' for _ in range(4))}",
                birth_date=birth,
            )
            if n in disabled:
                learner.disability = True
                learner.adaptations = rng.randrange(len(DISABILITIES))
            learner.enrolments.append(self._enrolment(primary))
            if category != Category.APP and n >= 2 and rng.random() < 0.12:
                extra = rng.choice([i for i in short if i != primary])
                learner.enrolments.append(self._enrolment(extra))
            learners.append(learner)
        return learners

    def _enrolment(self, index: int) -> _Enrolment:
        """An enrolment whose lifecycle matches its session's dates (dropouts come later)."""
        rng, s = self.rng, self.sessions[index]
        category = s.spec.category
        lead = rng.randint(10, 90) if category == Category.APP else rng.randint(5, 45)
        enrolled_on = s.start - dt.timedelta(days=lead)
        if enrolled_on > self.today:
            enrolled_on = self.today - dt.timedelta(days=rng.randint(0, 20))
        if category == Category.APP:
            funder = SECTOR_FUNDER[s.spec.sector]
        else:
            weights = FUNDER_WEIGHTS[category]
            funder = rng.choices(list(weights), list(weights.values()))[0]
        enrolment = _Enrolment(session=index, enrolled_on=enrolled_on, funder=funder)
        period = self.period(index)
        if period != "future":
            enrolment.steps.append((EnrolmentStatus.EN_COURS, s.start, ""))
        if period == "past":
            enrolment.steps.append((EnrolmentStatus.TERMINE, s.end, ""))
        return enrolment

    def _employers_and_tutors(self) -> None:
        """Employers by sector (enough for their apprentices), one or two tutors each."""
        rng = self.rng
        by_sector: dict[str, list[_Enrolment]] = {sector: [] for sector in EMPLOYERS}
        employees: list[tuple[_Learner, _Enrolment]] = []
        for learner in self.learners:
            for e in learner.enrolments:
                sector = self.sessions[e.session].spec.sector
                if sector:
                    by_sector[sector].append(e)
                elif e.funder in {"atlas", "entreprise"}:
                    employees.append((learner, e))
        for sector, names in EMPLOYERS.items():
            wanted = max(3, math.ceil(len(by_sector[sector]) / 4))
            first_index = len(self.employers)
            for k in range(wanted):
                if k < len(names):
                    name = names[k]
                else:
                    prefix = EMPLOYER_PREFIXES[sector][k % len(EMPLOYER_PREFIXES[sector])]
                    name = f"{prefix} {rng.choice(LAST_NAMES)} ({k + 1})"
                postal_code, city = rng.choice(EMPLOYER_TOWNS)
                employer = _Employer(
                    sector=sector,
                    name=name,
                    siret=_with_check_digit(f"{rng.randint(300_000_000, 999_999_999)}0001"),
                    address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                    postal_code=postal_code,
                    city=city,
                    contact=(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)),
                )
                for _ in range(rng.choice([1, 1, 2])):
                    employer.tutors.append(
                        (
                            rng.choice(FIRST_NAMES),
                            rng.choice(LAST_NAMES),
                            rng.choice(TUTOR_TITLES[sector]),
                        )
                    )
                self.employers.append(employer)
            indexes = range(first_index, len(self.employers))
            for learner in self.learners:
                for e in learner.enrolments:
                    if self.sessions[e.session].spec.sector == sector:
                        e.employer = rng.choice(indexes)
                        e.tutor = rng.randrange(len(self.employers[e.employer].tutors))
                        learner.employer = e.employer
        for learner, e in employees:
            if learner.employer is None:
                learner.employer = rng.randrange(len(self.employers))
            e.employer = learner.employer
        # The demo tutor account is the second learner's tutor (an apprentice), or else the
        # first apprentice's: the account that logs in always tutors someone.
        ordered = self.learners[1:2] + self.learners[:1] + self.learners[2:]
        for e in (e for learner in ordered for e in learner.enrolments):
            if e.employer is not None and e.tutor is not None:
                self.demo_tutor = (e.employer, e.tutor)
                break

    def _dropouts(self) -> None:
        """About one enrolment in eight ends in a dropout, with its date and reason."""
        rng = self.rng
        candidates: list[_Enrolment] = []
        for n, learner in enumerate(self.learners):
            for e in learner.enrolments:
                if n < 2 and e is learner.enrolments[0]:
                    continue  # the demo accounts' own enrolments stay on track
                period = self.period(e.session)
                if rng.random() < (0.05 if period == "future" else 0.15):
                    self._drop(e)
                elif period != "future":
                    candidates.append(e)
        if not any(
            e.status == EnrolmentStatus.ABANDON for p in self.learners for e in p.enrolments
        ):
            if candidates:
                self._drop(candidates[0])

    def _drop(self, e: _Enrolment) -> None:
        rng, s = self.rng, self.sessions[e.session]
        if self.period(e.session) == "future" or rng.random() < 0.04:
            # Left before the first day: withdrawn between enrolment and start (or today).
            last = min(self.today, s.start)
            on = e.enrolled_on + dt.timedelta(days=rng.randint(0, (last - e.enrolled_on).days))
            e.steps = [(EnrolmentStatus.ABANDON, on, rng.choice(WITHDRAWAL_REASONS))]
            return
        last = min(s.end - dt.timedelta(days=1), self.today - dt.timedelta(days=1))
        if last <= s.start:
            on = s.start
        else:
            on = s.start + dt.timedelta(days=rng.randint(1, (last - s.start).days))
        reason = rng.choice(APP_REASONS if s.spec.category == Category.APP else REASONS)
        e.steps = [(EnrolmentStatus.EN_COURS, s.start, ""), (EnrolmentStatus.ABANDON, on, reason)]

    # Attendance and LMS activity ----------------------------------------------------

    def _attendance_and_activity(self) -> None:
        """Marks at the séances before today and LMS traces, for the current sessions.

        Most learners attend; so that the default procedure has something to do on the
        first night, a few have just missed their last séances (three or four unexcused
        absences in a row, one with an excused absence inside the run), one has missed
        two (no case yet), and a few have not been on the platform for two weeks or more.
        """
        rng, today = self.rng, self.today
        past: dict[int, list[tuple[dt.date, dt.time]]] = {}
        for index, s in enumerate(self.sessions):
            if self.period(index) == "current":
                past[index] = [(d, t) for d, t, _end in _slot_times(s, today) if d < today]
        ongoing: dict[int, _Enrolment] = {}  # a learner's first ongoing enrolment
        for n, learner in enumerate(self.learners):
            for e in learner.enrolments:
                if e.session in past:
                    e.marks = [(key, *self._random_mark()) for key in self._own(e, past)]
                    if e.marks and e.status == EnrolmentStatus.EN_COURS:
                        # On track: seen at the last séance (no absence run going on).
                        e.marks[-1] = (e.marks[-1][0], AttendanceStatus.PRESENT, "")
                        if n >= 2:
                            ongoing.setdefault(n, e)
                    elif e.marks:  # a dropout: the last séances before leaving missed
                        e.marks[-2:] = [
                            (key, AttendanceStatus.ABSENT, "") for key, *_ in e.marks[-2:]
                        ]
        eligible = sorted(n for n, e in ongoing.items() if len(e.marks) >= len(ABSENCE_RUNS[1]) + 2)
        chosen = rng.sample(eligible, min(len(eligible), len(ABSENCE_RUNS) + 1))
        for k, n in enumerate(chosen):
            e = ongoing[n]
            run = ABSENCE_RUNS[k] if k < len(ABSENCE_RUNS) else NEAR_MISS_RUN
            start = len(e.marks) - len(run)
            e.marks[start - 1] = (e.marks[start - 1][0], AttendanceStatus.PRESENT, "")
            for offset, status in enumerate(run):
                note = rng.choice(EXCUSES) if status == AttendanceStatus.EXCUSE else ""
                e.marks[start + offset] = (e.marks[start + offset][0], status, note)
            if k < len(ABSENCE_RUNS):
                self.absentees.append((n, e))
            else:
                self.near_miss = (n, e)
        # Activity, where the session has a platform (hybrid and distance learning).
        quiet = sorted(
            n
            for n, e in ongoing.items()
            if n not in chosen
            and self.sessions[e.session].spec.modality != Modality.PRESENTIEL
            and self._own_start(e) <= today - dt.timedelta(days=21)
        )
        self.inactive = [(n, ongoing[n]) for n in rng.sample(quiet, min(len(quiet), 3))]
        quiet_enrolments = {id(e) for _n, e in self.inactive}
        for learner in self.learners:
            for e in learner.enrolments:
                s = self.sessions[e.session]
                if e.session not in past or s.spec.modality == Modality.PRESENTIEL:
                    continue
                if e.status not in {EnrolmentStatus.EN_COURS, EnrolmentStatus.ABANDON}:
                    continue
                first = max(self._own_start(e), today - dt.timedelta(days=ACTIVITY_DAYS))
                if id(e) in quiet_enrolments:
                    last = today - dt.timedelta(days=rng.randint(15, 25))
                elif e.status == EnrolmentStatus.ABANDON:
                    last = e.steps[-1][1] - dt.timedelta(days=rng.randint(3, 10))
                else:
                    last = today - dt.timedelta(days=1)
                day = first
                while day <= last:
                    if rng.random() < 0.3 or (day == last and id(e) not in quiet_enrolments):
                        e.activity.append((day, rng.choice(LMS_KINDS), rng.randint(1, 12)))
                    day += dt.timedelta(days=1)

    def _own_start(self, e: _Enrolment) -> dt.date:
        return max(e.enrolled_on, self.sessions[e.session].start)

    def _own(
        self, e: _Enrolment, past: dict[int, list[tuple[dt.date, dt.time]]]
    ) -> list[tuple[dt.date, dt.time]]:
        """The séances before today at which the enrolment is active."""
        ended = e.steps[-1][1] if e.status == EnrolmentStatus.ABANDON else None
        return [
            (day, start)
            for day, start in past[e.session]
            if e.enrolled_on <= day and (ended is None or day < ended)
        ]

    def _random_mark(self) -> tuple[str, str]:
        draw = self.rng.random()
        if draw < 0.88:
            return AttendanceStatus.PRESENT, ""
        if draw < 0.93:
            return AttendanceStatus.RETARD, ""
        if draw < 0.96:
            return AttendanceStatus.EXCUSE, self.rng.choice(EXCUSES)
        return AttendanceStatus.ABSENT, ""


class _Writer:
    """Writes the plan through the services, each write journaled."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self.today = plan.today

    def write(self) -> DemoResult:
        plan = self.plan
        org = create_organisation(
            acting_user=None, name=DEMO_NAME, slug=DEMO_SLUG, siret=plan.siret, nda="84691234569"
        )
        self.org = org
        users = self._staff()
        director, officer = users["direction"], users["lambert"]
        # Safeguarding reports reach someone: the director is the designated handler.
        safeguarding_services.designate_handler(org, director, acting_user=director)
        sites = self._sites(director)
        trainers = self._trainers(director, users)
        programmes = {
            spec.code: programme_services.create_programme(
                org,
                acting_user=director,
                code=spec.code,
                title=spec.title,
                category=spec.category,
                modality=spec.modality,
                duration_hours=Decimal(spec.hours),
                duration_days=Decimal(spec.days),
                is_certifying=bool(spec.certification),
                certification_code=spec.certification,
                description=spec.description,
            )
            for spec in PROGRAMMES
        }
        sessions = [
            programme_services.create_session(
                org,
                acting_user=director,
                trainers=[trainers[key] for key in s.trainers],
                programme=programmes[s.spec.code],
                external_id=s.external_id,
                title=s.title,
                category=s.spec.category,
                modality=s.spec.modality,
                start_date=s.start,
                end_date=s.end,
                duration_hours=Decimal(s.spec.hours),
                site=sites[s.site] if s.site else None,
                capacity=s.capacity,
            )
            for s in plan.sessions
        ]
        slots = [
            self._slots(session, s, trainers, officer)
            for session, s in zip(sessions, plan.sessions, strict=True)
        ]
        slot_count = sum(len(by_time) for by_time in slots)
        funders = {
            key: learner_services.create_funder(org, acting_user=director, name=name, kind=kind)
            for key, name, kind in FUNDERS
        }
        tutor_user = self._member(
            "tuteur", Role.TUTEUR, *self._demo_tutor_name(), acting_user=director
        )
        employers, tutors = self._employers(director, tutor_user)
        first = plan.learners[0]
        learner_user = self._member(
            "apprenant", Role.APPRENANT, first.first_name, first.last_name, acting_user=director
        )
        enrolment_count = mark_count = sheet_count = 0
        for n, p in enumerate(plan.learners):
            learner = learner_services.create_learner(
                org,
                acting_user=officer,
                external_id=p.external_id,
                first_name=p.first_name,
                last_name=p.last_name,
                email=learner_user.email if n == 0 else p.email,
                phone=p.phone,
                birth_date=p.birth_date,
                disability=p.disability,
                notes=p.notes,
                employer=employers[p.employer] if p.employer is not None else None,
                user=learner_user if n == 0 else None,
            )
            for e in p.enrolments:
                enrolment = self._enrol(learner, e, sessions, funders, employers, tutors, officer)
                enrolment_count += 1
                mark_count += self._marks(enrolment, e, slots[e.session], officer)
                if p.adaptations is not None:
                    sheet_count += self._adaptation_sheet(enrolment, e, p.adaptations, users)
        self._activity(officer)
        self._risk_history()
        build_feedback_demo(org, today=self.plan.today)
        build_complaints_demo(org, today=self.plan.today)
        self._set_demo_password()
        return DemoResult(
            organisation=org,
            logins=demo_logins(org),
            counts={
                "programmes": len(programmes),
                "sessions": len(sessions),
                "slots": slot_count,
                "learners": len(plan.learners),
                "enrolments": enrolment_count,
                "employers": len(employers),
                "marks": mark_count,
                "adaptation_sheets": sheet_count,
                "absentees": len(plan.absentees),
                "inactive": len(plan.inactive),
            },
        )

    def _member(
        self, local: str, role: str, first: str, last: str, *, acting_user: User | None
    ) -> User:
        expires_at = None
        if role == Role.AUDITEUR:
            expires_at = timezone.make_aware(
                dt.datetime.combine(self.today + dt.timedelta(days=30), dt.time(23, 59))
            )
        membership = create_member(
            self.org,
            acting_user=acting_user,
            email=f"{local}@{DEMO_DOMAIN}",
            role=role,
            first_name=first,
            last_name=last,
            expires_at=expires_at,
        )
        return membership.user

    def _staff(self) -> dict[str, User]:
        users: dict[str, User] = {}
        for key, (role, local, first, last, _speciality) in STAFF.items():
            users[key] = self._member(local, role, first, last, acting_user=users.get("direction"))
        return users

    def _set_demo_password(self) -> None:
        """One shared password, hashed once (hashing is deliberately slow)."""
        User.objects.filter(membership__organisation=self.org).update(
            password=make_password(DEMO_PASSWORD)
        )

    def _sites(self, director: User) -> dict[str, Site]:
        return {
            key: create_site(
                self.org,
                acting_user=director,
                name=name,
                address=address,
                postal_code=postal_code,
                city=city,
            )
            for key, name, address, postal_code, city in SITES
        }

    def _trainers(self, director: User, users: dict[str, User]) -> dict[str, Trainer]:
        trainers = {}
        for key, (_role, _local, first, last, speciality) in STAFF.items():
            if speciality:
                user = users[key]
                trainers[key] = programme_services.create_trainer(
                    self.org,
                    acting_user=director,
                    user=user,
                    first_name=first,
                    last_name=last,
                    email=user.email,
                    speciality=speciality,
                )
        for key, (first, last, speciality) in TRAINERS.items():
            trainers[key] = programme_services.create_trainer(
                self.org,
                acting_user=director,
                first_name=first,
                last_name=last,
                email=f"{_ascii(first)}.{_ascii(last)}@formateurs.{DEMO_DOMAIN}",
                speciality=speciality,
            )
        return trainers

    def _slots(
        self, session: Session, s: _Session, trainers: dict[str, Trainer], officer: User
    ) -> dict[tuple[dt.date, dt.time], Slot]:
        """Weekly séances of a past or current session (every day of a short one)."""
        rooms = ROOMS[s.site] if s.site else None
        room = rooms[len(s.external_id) % len(rooms)] if rooms else "Classe virtuelle"
        slots = {}
        for k, (day, start, end) in enumerate(_slot_times(s, self.today)):
            slots[day, start] = programme_services.create_slot(
                session,
                acting_user=officer,
                starts_at=timezone.make_aware(dt.datetime.combine(day, start)),
                ends_at=timezone.make_aware(dt.datetime.combine(day, end)),
                trainer=trainers[s.trainers[k % len(s.trainers)]],
                room=room,
            )
        return slots

    def _demo_tutor_name(self) -> tuple[str, str]:
        employer, tutor = self.plan.demo_tutor
        first, last, _title = self.plan.employers[employer].tutors[tutor]
        return first, last

    def _employers(
        self, director: User, tutor_user: User
    ) -> tuple[list[Employer], list[list[Tutor]]]:
        employers: list[Employer] = []
        tutors: list[list[Tutor]] = []
        for index, p in enumerate(self.plan.employers):
            employer = learner_services.create_employer(
                self.org,
                acting_user=director,
                name=p.name,
                siret=p.siret,
                address=p.address,
                postal_code=p.postal_code,
                city=p.city,
                contact_name=f"{p.contact[0]} {p.contact[1]}",
                contact_email=f"contact@{_ascii(p.name)}.entreprises.{DEMO_DOMAIN}",
                contact_phone=f"04 {index % 90 + 10:02d} {(index * 37) % 90 + 10:02d} 10 20",
            )
            employers.append(employer)
            own = []
            for k, (first, last, title) in enumerate(p.tutors):
                is_demo = (index, k) == self.plan.demo_tutor
                own.append(
                    learner_services.create_tutor(
                        employer,
                        acting_user=director,
                        first_name=first,
                        last_name=last,
                        job_title=title,
                        email=tutor_user.email
                        if is_demo
                        else f"{_ascii(first)}.{_ascii(last)}@{_ascii(p.name)}.entreprises.{DEMO_DOMAIN}",
                        user=tutor_user if is_demo else None,
                    )
                )
            tutors.append(own)
        return employers, tutors

    def _enrol(
        self,
        learner: Learner,
        e: _Enrolment,
        sessions: list[Session],
        funders: dict[str, Funder],
        employers: list[Employer],
        tutors: list[list[Tutor]],
        officer: User,
    ) -> Enrolment:
        # Finished and ongoing enrolments are recorded with their status, as an import of
        # the history would; a dropout goes through the lifecycle transition, so that its
        # date and reason are journaled as when a chargé de suivi records one.
        initial: dict[str, object] = {}
        for status, on, _reason in e.steps:
            if status == EnrolmentStatus.ABANDON:
                break
            initial["status"] = status
            initial["started_on" if status == EnrolmentStatus.EN_COURS else "ended_on"] = on
        enrolment = learner_services.enrol(
            learner,
            sessions[e.session],
            acting_user=officer,
            enrolled_on=e.enrolled_on,
            funder=funders[e.funder],
            employer=employers[e.employer] if e.employer is not None else None,
            tutor=tutors[e.employer][e.tutor]
            if e.employer is not None and e.tutor is not None
            else None,
            **initial,
        )
        if e.status == EnrolmentStatus.ABANDON:
            _status, on, reason = e.steps[-1]
            learner_services.change_status(
                enrolment, EnrolmentStatus.ABANDON, acting_user=officer, on=on, reason=reason
            )
        return enrolment

    def _marks(
        self,
        enrolment: Enrolment,
        e: _Enrolment,
        slots: dict[tuple[dt.date, dt.time], Slot],
        officer: User,
    ) -> int:
        """The trainer's pointing at each séance, as recorded on the attendance sheet."""
        for key, status, note in e.marks:
            attendance_services.record_mark(
                slots[key],
                enrolment,
                status,
                acting_user=officer,
                method=Method.TRAINER,
                minutes_late=self.plan.rng.choice([5, 10, 15, 25])
                if status == AttendanceStatus.RETARD
                else None,
                note=note,
            )
        return len(e.marks)

    def _risk_history(self) -> None:
        """Replay the past weeks' nightly scoring, each from the facts known that day
        (what `parcours risk --as-of D --store` does), so that the risk charts tell a story."""
        from parcours.engagement import scoring
        from parcours.engagement import services as engagement_services

        for weeks in range(RISK_HISTORY_WEEKS, 0, -1):
            as_of = self.plan.today - dt.timedelta(weeks=weeks)
            engagement_services.store_scores(
                self.org, scoring.score(self.org, as_of), acting_user=None
            )

    def _activity(self, officer: User) -> None:
        """The platform's activity, as an LMS export imported by the chargé de suivi."""
        rows = [
            (p.external_id, self.plan.sessions[e.session].external_id, day, kind, count)
            for p in self.plan.learners
            for e in p.enrolments
            for day, kind, count in e.activity
        ]
        if not rows:
            return
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export-plateforme.csv"
            with path.open("w", newline="", encoding="utf-8") as out:
                exports.write_csv(
                    out,
                    ["learner_external_id", "session_external_id", "occurred_at", "kind", "count"],
                    rows,
                    dialect=exports.EXCHANGE,
                )
            report = run_import("activity", path, organisation=self.org, acting_user=officer)
        if not report.ok:
            raise ValidationError(report.error_summary())

    def _adaptation_sheet(
        self, enrolment: Enrolment, e: _Enrolment, profile: int, users: dict[str, User]
    ) -> int:
        """The adaptation sheet of a started enrolment, its measures attested once in place."""
        if e.steps[:1] == [] or e.steps[0][0] != EnrolmentStatus.EN_COURS:
            return 0
        needs, categories, measures = DISABILITIES[profile]
        started = e.steps[0][1]
        ongoing = e.status == EnrolmentStatus.EN_COURS
        review = started + dt.timedelta(days=45)
        sheet = learner_services.create_adaptation_sheet(
            enrolment,
            acting_user=users["qualite"],
            needs=needs,
            need_categories=categories,
            referent=users["qualite"],
            next_review_on=review if ongoing else None,
            consent_on=e.enrolled_on,
        )
        for k, (kind, description) in enumerate(measures):
            measure = learner_services.add_measure(
                sheet,
                acting_user=users["qualite"],
                kind=kind,
                description=description,
                responsible=users["lambert"],
                due_on=started,
            )
            if not ongoing or k == 0:
                learner_services.attest_measure(
                    measure,
                    acting_user=users["lambert"],
                    note=f"Mis en place dès le {started:%d/%m/%Y}, vérifié avec l'apprenant.",
                )
        return 1
