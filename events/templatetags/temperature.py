"""Template helpers of issue 7: administrations on timelines, an event's PLOVER coding."""

from django import template

from ..plover import PloverCategory, Quad, quad_of, score_source
from ..temperature import administration_for, format_score

register = template.Library()


@register.filter
def administration(day):
    """The Philippine administration in office on a date: `{{ event.date|administration }}`."""
    return administration_for(day)


@register.inclusion_tag("events/_plover_coding.html")
def plover_coding(event):
    """An event's PLOVER coding and score, in words; nothing when uncoded.

    Names the countries from prefetched `involvements` when present (as the
    event page has them), else through the foreign keys.
    """
    if not event.plover_category:
        return {"coded": False}
    names = {}
    if "involvements" in getattr(event, "_prefetched_objects_cache", {}):
        names = {i.country_id: i.country.name for i in event.involvements.all()}

    def name(field):
        code = getattr(event, f"{field}_id")
        return names.get(code) or (getattr(event, field).name if code else "")

    quad = quad_of(event.plover_category)
    return {
        "coded": True,
        "category": PloverCategory(event.plover_category).label,
        "mode": event.plover_mode,
        "quad": Quad(quad).label if quad else "",
        "actor": name("actor_country"),
        "target": name("target_country"),
        "score": format_score(event.score),
        "overridden": event.score_override is not None,
        "justification": event.score_justification,
        "source": score_source(event.plover_category, event.plover_mode),
    }
