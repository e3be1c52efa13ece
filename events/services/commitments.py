"""
A commitment's stage, derived: the stage of its latest step (by date, then by entry).

`sync_stages()` is the one writer of `Commitment.stage`: the model signals call
it for a step saved or deleted one at a time (the admin, the shell), the
importer once for every commitment it touched. `drift()` checks the stored
stages against a fresh computation.
"""

from collections.abc import Iterable

from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from events.models import Commitment, CommitmentStep


def _latest_stage():
    """The stage of each commitment's latest step, as a subquery ('' with no steps)."""
    latest = CommitmentStep.objects.filter(commitment=OuterRef("pk")).order_by("-date", "-id").values("stage")[:1]
    return Coalesce(Subquery(latest), Value(""))


def sync_stages(commitment_ids: Iterable[int]) -> int:
    """Set the stored stage of these commitments from their steps: one UPDATE; the number of rows changed."""
    ids = sorted(set(commitment_ids))
    if not ids:
        return 0
    stale = Commitment.objects.filter(pk__in=ids).annotate(expected=_latest_stage()).exclude(stage=F("expected"))
    stale_ids = list(stale.values_list("pk", flat=True))
    if not stale_ids:
        return 0
    return Commitment.objects.filter(pk__in=stale_ids).update(stage=_latest_stage())


def drift() -> dict[str, tuple[str, str]]:
    """Commitments whose stored stage is not their latest step's: {slug: (stored, expected)}."""
    rows = Commitment.objects.annotate(expected=_latest_stage()).values_list("slug", "stage", "expected")
    return {slug: (stored, expected) for slug, stored, expected in rows if stored != expected}
