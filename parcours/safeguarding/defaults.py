"""The prevention procedure shipped with Parcours: version 1 of every organisation's text,
which the référent qualité then adapts (each change is a new version)."""

from django.utils.translation import gettext_lazy as _

TITLE = _(
    "Procédure de prévention et de traitement des situations de violence, de harcèlement "
    "et de discrimination"
)

BODY = _(
    """## Objet et champ d'application
Notre organisme s'engage à prévenir et à traiter toute situation de violence, y compris les violences sexistes et sexuelles, de harcèlement moral ou sexuel et de discrimination survenant pendant la formation (indicateur 12 du Référentiel national qualité, version 10). Cette procédure s'applique à toutes les personnes en formation, en centre, en entreprise (alternance, stage) comme à distance, ainsi qu'à l'ensemble des intervenants.

## Ce qui est concerné
- les violences physiques, verbales ou psychologiques, y compris les violences sexistes et sexuelles ;
- le harcèlement moral et le harcèlement sexuel, y compris en ligne ;
- les discriminations fondées sur l'un des critères interdits par la loi (origine, sexe, âge, handicap, orientation sexuelle, religion, etc.).

## Prévention
- la présente procédure est remise ou rendue accessible à chaque apprenant à l'entrée en formation et affichée dans l'espace apprenant ;
- les formateurs et l'équipe sont informés de la procédure et des personnes à contacter ;
- le règlement intérieur rappelle l'interdiction de ces comportements et les sanctions encourues ;
- les situations signalées et leur traitement sont analysés chaque année (sans données nominatives) pour améliorer la prévention.

## Qui contacter
Toute personne victime ou témoin peut s'adresser aux référents désignés par la direction (liste ci-dessous) ou faire un signalement en ligne, depuis son espace apprenant ou par le lien public de l'organisme, sans avoir besoin de compte. Le signalement peut être anonyme.

En cas de danger immédiat, appelez le 17 (police) ou le 112. Numéros d'écoute gratuits : 3919 (violences faites aux femmes), 119 (enfance en danger), 3018 (cyberharcèlement). Le Défenseur des droits peut être saisi en cas de discrimination (39 28).

## Comment un signalement est traité
- à l'envoi, un code de suivi personnel est remis : il permet de suivre l'avancement, de lire les messages des référents et d'ajouter des informations, sans compte ;
- un accusé de réception est adressé dans un délai de 48 heures ;
- les référents examinent la situation, peuvent entendre les personnes concernées et prennent, si nécessaire, des mesures de protection immédiates ;
- les mesures décidées (protection, accompagnement, sanction, signalement aux autorités compétentes) sont consignées ;
- la personne qui a signalé est informée des suites données, dans le respect des droits de chacun ;
- le dossier est clos lorsque la situation est traitée ; la clôture est datée et motivée.

## Confidentialité
Seuls les référents désignés ont accès au contenu des signalements et à l'identité des personnes qui les font. Ni la direction (sauf si elle est elle-même désignée), ni les formateurs, ni l'auditeur n'y ont accès : l'auditeur ne consulte qu'un registre anonymisé (nombre de signalements, statuts, délais de traitement). Aucune personne ne peut être sanctionnée ou défavorisée pour avoir signalé de bonne foi une situation ou en avoir témoigné.

## Délais
- accusé de réception : 48 heures au plus après le signalement ;
- premier examen de la situation : dans les 7 jours ;
- mesures de protection : sans délai lorsque la situation l'exige.
"""
)
