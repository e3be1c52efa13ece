"""
Keyset (cursor) pagination over (date, id): the 50th page costs what the first does.

OFFSET pagination makes the database walk past every earlier row, so deep
pages get slower the deeper they are, and numbering them needs a COUNT(*) of
the whole list. A keyset page instead starts where the previous one ended:
`?after=2016-11-19_4521` asks for the events after (19 November 2016, id
4521) in (date, id) order, which an index on (date, id) answers with one range
scan. `?before=` walks back the same way.

What drives the scan is chosen from the filters (`paginator_for`): a
relationship's timeline, or two `country` filters, read EventPair's partial
index on (pair, date, event); one `country` reads EventCountry's; a leader's
page, or a `leader` filter alone, EventLeader's; otherwise Event's own (date,
id). Page 1 and page 50 are then one index range scan each, the date filters
bounding the range.

Counting: exact up to `count_limit` (a bounded count reads at most that many
index entries), "more than N" beyond; and only when the page shows it.
"""

import datetime
import re
from dataclasses import dataclass
from functools import cached_property

from django.db.models import F, IntegerField, Q, QuerySet, Subquery
from django.http import QueryDict
from django.utils.translation import gettext

from events.models import pair_key

PER_PAGE = 50
# A bounded count reads up to this many index entries (about 2 ms at a million events).
COUNT_LIMIT = 200
_CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2})_(\d{1,19})$")


class InvalidCursor(ValueError):
    """A malformed `after`/`before` value; the message can be shown to the user."""


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in (date, id) order, written `2016-11-19_4521` in URLs."""

    date: datetime.date
    id: int

    @classmethod
    def parse(cls, text: str) -> "Cursor":
        match = _CURSOR.match(text.strip())
        if not match:
            raise InvalidCursor(
                gettext("%(value)s is not a page position (expected YYYY-MM-DD_ID).") % {"value": repr(text)}
            )
        try:
            return cls(datetime.date.fromisoformat(match[1]), int(match[2]))
        except ValueError:
            raise InvalidCursor(
                gettext("%(value)s is not a page position: %(date)s is not a date.")
                % {"value": repr(text), "date": match[1]}
            ) from None

    @classmethod
    def of(cls, event) -> "Cursor":
        return cls(event.date, event.pk)

    def __str__(self):
        return f"{self.date.isoformat()}_{self.id}"


@dataclass(frozen=True)
class BoundedCount:
    """How many items a list holds, counted no further than `limit`."""

    value: int
    limit: int

    @property
    def exact(self) -> bool:
        return self.value <= self.limit

    def __int__(self):
        return min(self.value, self.limit)

    def __float__(self):  # For the `pluralize` filter: "more than 1,000" is plural.
        return float(self.value)

    def __str__(self):
        return f"{self.value:,}" if self.exact else gettext("more than %(limit)s") % {"limit": f"{self.limit:,}"}


class CountUpTo(Subquery):
    """`count(queryset)`, stopping at `limit` + 1, as an expression: for annotate(), to save a query.

    With `BoundedCount(value, limit)` to display it. For instance the two
    countries of a timeline, its first and last dates and its size, at once:
    `Country.objects.filter(iso2__in=[a, b]).annotate(events=CountUpTo(pair_rows, 1000), ...)`.
    """

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS bounded)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet, limit: int = COUNT_LIMIT, *, keep_order: bool = False):
        # `keep_order`: count the rows in the queryset's order, so that the planner
        # may read them off the same ordered index as the page and stop at the
        # limit; unordered it tends to gather every match of a common word from
        # a GIN index first (95 ms for 110,000 at a million events).
        super().__init__((queryset if keep_order else queryset.order_by()).values("pk")[: limit + 1])


class KeysetPaginator:
    """Pages of an event queryset in (date, id) order, oldest first unless `descending`.

    `queryset` is any Event queryset (filters, select_related and prefetches
    applied); its own ordering is replaced. The index that drives the scan:

    - `pair="cn-ph"` (see `models.pair_key`): a relationship's timeline, from
      EventPair's partial index on (pair, date, event) over published rows;
    - `country="US"`: the events involving a country, from EventCountry's
      partial index on (country, date, event);
    - `leader=<id>` alone: a leader's events, from EventLeader's partial index
      on (leader, date, event); beside a pair or a country, the leader's rows
      are matched to theirs on (date, event);
    - none of them: Event's own (date, id) index.

    `date_range=(first, last)` (either may be None) bounds that index scan;
    pass the list's date filters, which on a pair or a country would otherwise
    only be checked row by row after the join.
    """

    def __init__(
        self,
        queryset: QuerySet,
        per_page: int = PER_PAGE,
        *,
        pair: str | None = None,
        country: str | None = None,
        leader: int | None = None,
        date_range: tuple[datetime.date | None, datetime.date | None] = (None, None),
        descending: bool = False,
        count_limit: int | None = None,
        published_only: bool = True,
    ):
        if pair and country:
            raise ValueError("Drive the pages from a pair or a country, not both.")
        self.queryset = queryset
        self.per_page = per_page
        self.descending = descending
        self.count_limit = COUNT_LIMIT if count_limit is None else count_limit
        # Order by the driving row's copy of (date, event): the columns of its
        # index, so that the database reads the page off the index, unsorted.
        # The partial indexes hold published rows only; staff, who also see
        # drafts (`published_only=False`), get a slower plan.
        if pair:
            self.driver = Q(pairs__pair=pair)
            if published_only:
                self.driver &= Q(pairs__published=True)
            self.date_field, self.id_field = "pairs__date", "pairs__event_id"
        elif country:
            self.driver = Q(involvements__country_id=country.upper())
            if published_only:
                self.driver &= Q(involvements__published=True)
            self.date_field, self.id_field = "involvements__date", "involvements__event_id"
        elif leader:
            self.driver = Q()
            self.date_field, self.id_field = "leaders__date", "leaders__event_id"
        else:
            self.driver = Q()
            self.date_field, self.id_field = "date", "id"
        if leader:
            self.driver &= Q(leaders__leader_id=leader)
            if published_only:
                self.driver &= Q(leaders__published=True)
            if pair or country:
                # Beside a pair or a country: the leader's rows matched to the driver's on the same
                # (date, event), both in that order off their indexes, so that the database may
                # merge the two ranges and stop at the page's end, rather than gather every event
                # of the leader and hash the whole relationship against them (87 ms for ph-us and
                # a leader of 16,000 events at a million).
                self.driver &= Q(leaders__date=F(self.date_field))
        first, last = date_range
        if first:
            self.driver &= Q(**{f"{self.date_field}__gte": first})
        if last:
            self.driver &= Q(**{f"{self.date_field}__lte": last})

    def page(
        self, *, after: str | Cursor | None = None, before: str | Cursor | None = None, counted: bool = False
    ) -> "KeysetPage":
        """The page after `after`, the one before `before`, or the first page. Raises InvalidCursor.

        `counted`: also count the whole list (bounded, see `count`) inside the
        page's own query, so that a counted page still costs one query.
        """
        after, before = self._cursors(after, before)
        rows = list(self.query(after=after, before=before, counted=counted))
        count = None
        if counted and (rows or not (after or before)):  # Past the end, an empty page cannot tell.
            count = BoundedCount(rows[0].list_size if rows else 0, self.count_limit)
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if before is not None:
            rows.reverse()
            return KeysetPage(self, rows, has_next=True, has_previous=more, count=count)
        return KeysetPage(self, rows, has_next=more, has_previous=after is not None, count=count)

    def query(
        self, *, after: str | Cursor | None = None, before: str | Cursor | None = None, counted: bool = False
    ) -> QuerySet:
        """The one query a page runs (one row more than a page, to know whether another follows)."""
        after, before = self._cursors(after, before)
        # "After" in list order: larger (date, id) when ascending, smaller when descending.
        larger = (before is not None) == self.descending
        rows = self._ordered(self._narrowed(before or after, larger), larger)
        if counted:
            # Uncorrelated: the database runs it once for the whole query, not per row.
            # Off Event's own (date, id) index, counted in that order (see CountUpTo); off a
            # pair's, a country's or a leader's rows, the planner judges better unordered.
            everything = self._ordered(self._narrowed(None, True), True)
            own_index = self.date_field == "date"
            rows = rows.annotate(list_size=CountUpTo(everything, self.count_limit, keep_order=own_index))
        return rows[: self.per_page + 1]

    def ordered(self) -> QuerySet:
        """Every item of every page, in page order."""
        return self._ordered(self._narrowed(None, not self.descending), not self.descending)

    @staticmethod
    def _cursors(after, before) -> tuple[Cursor | None, Cursor | None]:
        if isinstance(after, str):
            after = Cursor.parse(after) if after.strip() else None
        if isinstance(before, str):
            before = Cursor.parse(before) if before.strip() else None
        if after and before:
            raise InvalidCursor(gettext("Give either `after` or `before`, not both."))
        return after, before

    def page_for(self, params: QueryDict, *, counted: bool = False) -> "KeysetPage":
        """The page a request's query string asks for (`after` or `before`). Raises InvalidCursor."""
        return self.page(after=params.get("after"), before=params.get("before"), counted=counted)

    @cached_property
    def count(self) -> BoundedCount:
        """The number of items, exact up to `count_limit` (one query reading at most that many rows)."""
        items = self._narrowed(None, True).order_by()
        return BoundedCount(items[: self.count_limit + 1].count(), self.count_limit)

    def _narrowed(self, cursor: Cursor | None, larger: bool) -> QuerySet:
        # One filter() call, so that the driver's conditions and the keyset's
        # share one join (each filter() call on a multi-valued relation would
        # add a join of its own).
        condition = self.driver
        if cursor is not None:
            # `date >= d AND (date > d OR id > i)` rather than the OR alone: the
            # first term bounds the index range scan, so it starts at the cursor.
            op, strict = ("gte", "gt") if larger else ("lte", "lt")
            condition &= Q(**{f"{self.date_field}__{op}": cursor.date}) & (
                Q(**{f"{self.date_field}__{strict}": cursor.date}) | Q(**{f"{self.id_field}__{strict}": cursor.id})
            )
        return self.queryset.filter(condition) if condition else self.queryset

    def _ordered(self, queryset: QuerySet, larger: bool) -> QuerySet:
        sign = "" if larger else "-"
        return queryset.order_by(f"{sign}{self.date_field}", f"{sign}{self.id_field}")


def paginator_for(filterset, *, pair: str | None = None, **options) -> KeysetPaginator:
    """The paginator of a list filtered by `EventFilter`, driven by the narrowest index its filters allow.

    On a timeline give its `pair`. Elsewhere, two `country` filters make a pair
    (the events involving both are that relationship's) and one makes a
    country; a `leader` filter drives alone without either, and beside them
    is matched to the pair's or country's rows (EventLeader).
    The date filters bound the driving index's range. The filters
    used this way are not applied a second time as joins: the planner would
    take the duplicates for independent conditions and underestimate the rows
    by orders of magnitude. A bound filterset with errors lists nothing.
    """
    queryset = filterset.queryset.all()
    if filterset.is_bound and not filterset.is_valid():
        return KeysetPaginator(queryset.none(), **options)
    data = dict(filterset.form.cleaned_data) if filterset.is_bound else {}
    countries = [code.upper() for code in data.pop("country", None) or []]
    country = None
    if pair is None and len(countries) >= 2:
        pair, countries = pair_key(countries[0], countries[1]), countries[2:]
    elif pair is None and len(countries) == 1:
        country, countries = countries[0], []
    else:  # On a timeline, its own two countries need no filter.
        countries = [code for code in countries if code.lower() not in (pair or "").split("-")]
    date_range = (data.pop("date_after", None), data.pop("date_before", None))
    leader = data.pop("leader", None)
    for name, value in data.items():
        queryset = filterset.filters[name].filter(queryset, value)
    if countries:
        queryset = queryset.involving(*countries)
    return KeysetPaginator(
        queryset, pair=pair, country=country, leader=leader.pk if leader else None, date_range=date_range, **options
    )


class KeysetPage:
    """One page: `object_list`, whether there are pages on either side, and the cursors that reach them."""

    def __init__(
        self,
        paginator: KeysetPaginator,
        object_list: list,
        *,
        has_next: bool,
        has_previous: bool,
        count: "BoundedCount | None" = None,
    ):
        self.paginator = paginator
        self.object_list = object_list
        self.count = count  # The whole list's size, when the page was asked to count it.
        self.has_next = bool(object_list) and has_next
        self.has_previous = bool(object_list) and has_previous

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def __repr__(self):
        return f"<KeysetPage of {len(self)} after={self.previous_cursor} before={self.next_cursor}>"

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_cursor(self) -> Cursor | None:
        return Cursor.of(self.object_list[-1]) if self.has_next else None

    @property
    def previous_cursor(self) -> Cursor | None:
        return Cursor.of(self.object_list[0]) if self.has_previous else None

    def next_query(self, params: QueryDict) -> str:
        """The query string of the next page: `params` (the filters) kept, the position replaced."""
        return _query(params, after=self.next_cursor) if self.has_next else ""

    def previous_query(self, params: QueryDict) -> str:
        return _query(params, before=self.previous_cursor) if self.has_previous else ""


@dataclass(frozen=True)
class PageLinks:
    """The query strings of a page's neighbours ("" where there is none) and where the page is."""

    previous: str = ""
    next: str = ""
    first: str = ""
    where: str = ""

    def __bool__(self):
        return bool(self.previous or self.next)


def page_links(page, params: QueryDict) -> PageLinks:
    """Links for a keyset page, or for a numbered page of Django's Paginator (short lists), filters kept."""
    if page is None:
        return PageLinks()
    if isinstance(page, KeysetPage):
        first = _query(params) if page.has_previous else ""
        return PageLinks(page.previous_query(params), page.next_query(params), first)
    numbered = {"page": None}
    if page.has_previous():
        numbered["page"] = page.previous_page_number() if page.previous_page_number() > 1 else None
    return PageLinks(
        previous=_query(params, page=numbered["page"]) if page.has_previous() else "",
        next=_query(params, page=page.next_page_number()) if page.has_next() else "",
        where=gettext("Page %(number)s of %(pages)s") % {"number": page.number, "pages": page.paginator.num_pages},
    )


def _query(params: QueryDict, **position) -> str:
    query = params.copy()
    for key in ("after", "before", "page"):
        query.pop(key, None)
    for key, value in position.items():
        if value is not None:
            query[key] = str(value)
    return f"?{query.urlencode()}"
