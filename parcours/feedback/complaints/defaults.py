"""The complaints procedure shipped with Parcours: version 1 of every organisation's text,
which the référent qualité then adapts (each change is a new version, validated by the
direction).

The placeholders between braces are filled when the text is shown: the deadlines from
the organisation's settings (so the text always says what the register applies), the
addresses of the public forms from the site's address.
"""

from django.utils.translation import gettext_lazy as _

TITLE = _("Procédure de traitement des réclamations, aléas et difficultés")

CHANGE_NOTE = _("Texte initial fourni par Parcours.")
AUTHOR_LABEL = _("Parcours (texte par défaut)")

BODY = _(
    """## Objet et champ d'application
{organisme} s'engage à recueillir et à traiter les réclamations, les aléas (incidents) et les difficultés rencontrés par les personnes qu'il forme et par ses parties prenantes : entreprises, financeurs, formateurs (indicateur 31 du Référentiel national qualité). Une réclamation est une demande visant à faire valoir un droit ou à obtenir ce qui est dû, reçue par écrit. Un commentaire dans un questionnaire de satisfaction n'est pas une réclamation : l'équipe le qualifie et peut le requalifier, en indiquant pourquoi.

## Comment nous saisir
- par le formulaire en ligne, sans compte, anonyme si vous le souhaitez : {formulaire} ;
- depuis votre espace apprenant, bouton « Faire une réclamation ou signaler une difficulté » ;
- par courriel, par courrier ou par téléphone auprès de l'équipe : la demande est alors enregistrée par l'équipe dans le même registre ;
- un commentaire laissé dans un questionnaire peut aussi être enregistré comme réclamation par l'équipe.

À l'envoi en ligne, un code de suivi personnel vous est remis : il permet de suivre l'état de votre demande, sans compte, à l'adresse {suivi}.

## Comment votre demande est traitée
- réception : la demande est enregistrée au registre avec sa date, sa nature (réclamation, aléa, difficulté), sa catégorie et sa gravité ;
- accusé de réception : il vous est adressé dans un délai de {delai_accuse} jours ouvrés ; sans adresse pour vous répondre, la demande est notée « non joignable » et reste traitée ;
- analyse : une personne de l'équipe en est responsable et en recherche la cause ;
- réponse : une réponse écrite vous est adressée dans un délai de {delai_reponse} jours ouvrés après la réception ;
- clôture : la demande est close après la réponse, en notant votre avis lorsque vous nous le donnez ; une demande peut être classée sans suite, toujours avec un motif écrit.

## Délais
- accusé de réception : {delai_accuse} jours ouvrés au plus après la réception ;
- réponse : {delai_reponse} jours ouvrés au plus après la réception.

Les jours ouvrés excluent les samedis, les dimanches et les jours fériés. Les délais sont fixés à la réception de la demande et ne changent plus ensuite. Une demande en retard est signalée automatiquement à la direction.

## Suivi et amélioration continue
Toutes les demandes figurent au registre des réclamations et au tableau de suivi (dates, délais, réponses). Elles sont analysées au moins une fois par an, par nature, catégorie et formation ; celles qui le justifient donnent lieu à une action d'amélioration (indicateur 32).

## Violences, harcèlement, discriminations
Ce circuit ne sert pas à signaler des violences, du harcèlement ou des discriminations. Ces situations relèvent d'un canal distinct et confidentiel, lu par les seuls référents désignés : {signalement}. Rien de ce qui y est signalé n'apparaît dans le registre des réclamations.
"""
)
