"""The world of the demo: French names, programmes, staff, sites, funders, employers,
reasons and the attendance patterns the plan draws from.
"""

import datetime as dt
from dataclasses import dataclass

from parcours.core.models import Role
from parcours.learners.models import (
    FunderKind,
)
from parcours.programmes.models import Category, Modality

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
