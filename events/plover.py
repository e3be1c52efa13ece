"""
PLOVER event coding (Political Language Ontology for Verifiable Event Records).

Sixteen event categories in four "quad" classes, from verbal cooperation to
material conflict. The PLOVER manual: https://github.com/openeventdata/PLOVER
"""

from django.db import models


class PloverCategory(models.TextChoices):
    AGREE = "AGREE", "Agree"
    CONSULT = "CONSULT", "Consult"
    SUPPORT = "SUPPORT", "Support"
    CONCEDE = "CONCEDE", "Concede"
    COOPERATE = "COOPERATE", "Cooperate"
    AID = "AID", "Aid"
    RETREAT = "RETREAT", "Retreat"
    REQUEST = "REQUEST", "Request"
    ACCUSE = "ACCUSE", "Accuse"
    REJECT = "REJECT", "Reject"
    THREATEN = "THREATEN", "Threaten"
    PROTEST = "PROTEST", "Protest"
    SANCTION = "SANCTION", "Sanction"
    MOBILIZE = "MOBILIZE", "Mobilize"
    COERCE = "COERCE", "Coerce"
    ASSAULT = "ASSAULT", "Assault"


class Quad(models.TextChoices):
    VERBAL_COOPERATION = "verbal_cooperation", "Verbal cooperation"
    MATERIAL_COOPERATION = "material_cooperation", "Material cooperation"
    VERBAL_CONFLICT = "verbal_conflict", "Verbal conflict"
    MATERIAL_CONFLICT = "material_conflict", "Material conflict"
