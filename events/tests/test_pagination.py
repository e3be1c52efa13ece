"""Keyset pagination: every event exactly once, in (date, id) order, however deep, in a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from events.models import Country, Event, EventKind, EventPair, pair_key
from events.queries.pagination import BoundedCount, CountUpTo, Cursor, InvalidCursor, KeysetPaginator, paginator_for
from events.tests.factories import make_event, make_leader, make_meeting, make_quote
from events.web.filters import EventFilter

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def walk(paginator, **first):
    """Every page from the first to the last, following `next_cursor`."""
    pages = [paginator.page(**first)]
    while pages[-1].has_next:
        pages.append(paginator.page(after=pages[-1].next_cursor))
    return pages


def titles(pages):
    return [event.title for page in pages for event in page.object_list]


@pytest.fixture
def relationship():
    """Eleven PH–RU events over nine dates (two dates shared), a draft, and a PH–CN event in between."""
    duterte = make_leader("Rodrigo Duterte", "PH")
    putin = make_leader("Vladimir Putin", "RU")
    xi = make_leader("Xi Jinping", "CN")
    start = datetime.date(2016, 1, 1)
    events = []
    for n in range(11):
        date = start + DAY * min(n, 8)  # the last three share a date: ids break the tie
        events.append(make_meeting(duterte, putin, title=f"PH–RU {n:02d}", date=date))
    make_meeting(duterte, putin, title="PH–RU draft", date=start + DAY * 3, published=False)
    make_meeting(duterte, xi, title="PH–CN", date=start + DAY * 4)
    return events


class CursorTests:
    def test_round_trip(self):
        """A cursor is written `YYYY-MM-DD_ID` and read back the same."""
        cursor = Cursor(datetime.date(2016, 11, 19), 4521)
        assert str(cursor) == "2016-11-19_4521"
        assert Cursor.parse("2016-11-19_4521") == cursor

    @pytest.mark.parametrize("text", ["", "2016-11-19", "2016-13-01_5", "x_1", "2016-11-19_-1", "2016-02-30_1"])
    def test_malformed_cursor_is_rejected_with_a_message(self, text):
        """A malformed position raises InvalidCursor, which a view turns into a 400, never a 500."""
        with pytest.raises(InvalidCursor):
            Cursor.parse(text)


class KeysetPaginatorTests:
    def test_pages_cover_every_event_once_in_order(self, relationship):
        """Following `next` from page 1 lists every published event of the list once, oldest first."""
        pages = walk(KeysetPaginator(Event.objects.published(), per_page=3))
        expected = list(Event.objects.published().order_by("date", "id").values_list("title", flat=True))
        assert titles(pages) == expected
        assert [len(p) for p in pages] == [3, 3, 3, 3]
        assert not pages[0].has_previous and pages[1].has_previous
        assert not pages[-1].has_next

    def test_pair_timeline_holds_only_that_relationship(self, relationship):
        """With `pair`, the pages hold the relationship's published events, and nothing else."""
        pages = walk(KeysetPaginator(Event.objects.published(), per_page=4, pair=pair_key("ph", "ru")))
        assert titles(pages) == [f"PH–RU {n:02d}" for n in range(11)]

    def test_previous_cursor_goes_back_to_the_same_page(self, relationship):
        """`before` the first item of a page gives back exactly the page before it."""
        paginator = KeysetPaginator(Event.objects.published(), per_page=3, pair="ph-ru")
        pages = walk(paginator)
        for earlier, later in zip(pages, pages[1:]):
            back = paginator.page(before=later.previous_cursor)
            assert [e.pk for e in back] == [e.pk for e in earlier]
            assert back.has_next
        assert not paginator.page(before=pages[1].previous_cursor).has_previous

    def test_ties_on_the_date_are_broken_by_id(self, relationship):
        """Events sharing a date are split across pages without loss or repetition."""
        paginator = KeysetPaginator(Event.objects.published(), per_page=2, pair="ph-ru")
        assert titles(walk(paginator)) == [f"PH–RU {n:02d}" for n in range(11)]

    def test_descending_lists_newest_first(self, relationship):
        """`descending=True` pages newest first, and `before` still walks back towards page 1."""
        paginator = KeysetPaginator(Event.objects.published(), per_page=4, pair="ph-ru", descending=True)
        pages = walk(paginator)
        assert titles(pages) == [f"PH–RU {n:02d}" for n in reversed(range(11))]
        assert [e.pk for e in paginator.page(before=pages[1].previous_cursor)] == [e.pk for e in pages[0]]

    def test_date_range_bounds_the_pages(self, relationship):
        """`date_range` keeps the pages within the dates, both ends included."""
        first = datetime.date(2016, 1, 3)
        paginator = KeysetPaginator(Event.objects.published(), pair="ph-ru", date_range=(first, first + 2 * DAY))
        assert titles(walk(paginator)) == ["PH–RU 02", "PH–RU 03", "PH–RU 04"]

    def test_both_cursors_at_once_are_refused(self, relationship):
        """Asking for a page both after and before a position is an error, not a guess."""
        with pytest.raises(InvalidCursor):
            KeysetPaginator(Event.objects.all()).page(after="2016-01-01_1", before="2016-01-05_1")

    def test_page_for_reads_the_query_string(self, relationship):
        """`page_for` takes the position from `?after=` and rejects a malformed one."""
        paginator = KeysetPaginator(Event.objects.published(), per_page=3, pair="ph-ru")
        first = paginator.page()
        second = paginator.page_for(QueryDict(f"after={first.next_cursor}"))
        assert second.object_list[0].title == "PH–RU 03"
        with pytest.raises(InvalidCursor):
            paginator.page_for(QueryDict("after=yesterday"))

    def test_links_keep_the_filters_and_drop_the_old_position(self, relationship):
        """The next and previous links keep every filter and replace `page`, `after` and `before`."""
        paginator = KeysetPaginator(Event.objects.published(), per_page=3, pair="ph-ru")
        page = paginator.page(after=paginator.page().next_cursor)
        params = QueryDict("kind=meeting&country=RU&page=7&after=2000-01-01_1")
        assert page.next_query(params) == f"?kind=meeting&country=RU&after={page.next_cursor}"
        assert page.previous_query(params) == f"?kind=meeting&country=RU&before={page.previous_cursor}"
        assert paginator.page(after=walk(paginator)[-1].previous_cursor).next_query(params) == ""

    def test_empty_list_has_no_other_pages(self):
        """An empty list is one empty page with no links."""
        page = KeysetPaginator(Event.objects.all()).page()
        assert list(page) == [] and not page.has_other_pages()

    def test_count_is_exact_up_to_the_limit(self, relationship):
        """The count is exact while small and reads "more than N" beyond the limit."""
        assert str(KeysetPaginator(Event.objects.published(), pair="ph-ru").count) == "11"
        bounded = KeysetPaginator(Event.objects.published(), pair="ph-ru", count_limit=10).count
        assert (str(bounded), int(bounded), bounded.exact) == ("more than 10", 10, False)
        assert str(BoundedCount(1234, 5000)) == "1,234"

    def test_count_up_to_counts_inside_another_query(self, relationship):
        """CountUpTo annotates rows with a count that stops past its limit, in the same query."""
        rows = EventPair.objects.filter(pair="ph-ru", published=True)
        with CaptureQueriesContext(connection) as queries:
            counts = dict(
                Country.objects.filter(iso2__in=["PH", "RU"])
                .annotate(all=CountUpTo(rows, 100), some=CountUpTo(rows, 5))
                .values_list("all", "some")
            )
        assert len(queries) == 1
        assert counts == {11: 6}
        assert str(BoundedCount(6, 5)) == "more than 5"

    @pytest.mark.parametrize("size", [6, 30])
    def test_a_deep_page_takes_the_queries_of_the_first(self, size):
        """Page 1 and the last page each take one query, at any size."""
        duterte, putin = make_leader("Rodrigo Duterte", "PH"), make_leader("Vladimir Putin", "RU")
        for n in range(size):
            make_meeting(duterte, putin, date=datetime.date(2016, 1, 1) + DAY * n)
        paginator = KeysetPaginator(Event.objects.published().with_related(), per_page=3, pair="ph-ru")
        cursor = None
        for _ in range(size // 3 - 1):
            cursor = paginator.page(after=cursor).next_cursor
        for after in (None, cursor):
            with CaptureQueriesContext(connection) as queries:
                page = paginator.page(after=after)
                for event in page:
                    [p.leader.name for p in event.participant_list]
                    [s.url for s in event.source_links]
            assert len(queries) == 1  # the events, with their summits, sources, participants and quotes
        assert not page.has_next


class PaginatorForTests:
    def test_two_countries_drive_the_pages_from_their_pair(self, relationship):
        """`country=PH&country=RU` on /events/ is the PH–RU timeline, read from the pair rows."""
        filterset = EventFilter(QueryDict("country=PH&country=RU"), queryset=Event.objects.published())
        paginator = paginator_for(filterset, per_page=20)
        assert paginator.date_field == "pairs__date"
        assert titles([paginator.page()]) == [f"PH–RU {n:02d}" for n in range(11)]

    def test_one_country_drives_the_pages_from_its_rows(self, relationship):
        """`country=CN` is read from the country's involvement rows."""
        filterset = EventFilter(QueryDict("country=cn"), queryset=Event.objects.published())
        paginator = paginator_for(filterset)
        assert paginator.date_field == "involvements__date"
        assert titles([paginator.page()]) == ["PH–CN"]

    def test_filters_still_apply_on_a_timeline(self, relationship):
        """Kind and dates narrow a timeline's pages; the timeline's own countries are no extra filter."""
        make_meeting(
            make_leader("Sergey Lavrov", "RU"),
            make_leader("Perfecto Yasay", "PH"),
            title="PH–RU call",
            kind=EventKind.CALL,
            date=datetime.date(2016, 1, 4),
        )
        query = "kind=call&country=RU&date_after=2016-01-01&date_before=2016-01-31"
        filterset = EventFilter(QueryDict(query), queryset=Event.objects.published())
        assert titles([paginator_for(filterset, pair="ph-ru").page()]) == ["PH–RU call"]

    def test_invalid_filters_list_nothing(self, relationship):
        """A malformed filter gives an empty list rather than a silently wider one."""
        filterset = EventFilter(QueryDict("date_after=someday"), queryset=Event.objects.published())
        assert list(paginator_for(filterset).page()) == []

    def test_leader_filter_lists_meetings_and_statements(self, relationship):
        """`leader` keeps the events the leader took part in or spoke at, as EventFilter defines it."""
        lavrov = make_leader("Sergey Lavrov", "RU")
        spoke = make_event(
            title="Lavrov on the South China Sea", kind=EventKind.STATEMENT, date=datetime.date(2016, 3, 1)
        )
        make_quote(spoke, lavrov)
        met = make_meeting(
            lavrov, make_leader("Perfecto Yasay", "PH"), title="Yasay meets Lavrov", date=datetime.date(2016, 2, 1)
        )
        filterset = EventFilter(QueryDict(f"leader={lavrov.slug}"), queryset=Event.objects.published())
        assert titles([paginator_for(filterset).page()]) == [met.title, spoke.title]
        assert [e.title for e in filterset.qs.order_by("date")] == [met.title, spoke.title]

    def test_a_leader_on_a_timeline_or_a_country_pages_through_their_events_there(self):
        """`leader` beside a pair or a country: that leader's events of it, spoken at or taken part in, page by page.

        Read by matching the leader's rows to the pair's or country's on (date, event)
        (issue 16); the same events, in the same order, as EventFilter's own definition.
        """
        lavrov = make_leader("Sergey Lavrov", "RU")
        yasay, wang = make_leader("Perfecto Yasay", "PH"), make_leader("Wang Yi", "CN")
        expected = []
        for day in range(1, 8):
            date = datetime.date(2016, 3, day)
            met = make_meeting(lavrov, yasay, title=f"Yasay meets Lavrov {day}", date=date)
            spoke = make_event(title=f"Lavrov on Manila {day}", kind=EventKind.STATEMENT, date=date, countries=["PH"])
            make_quote(spoke, lavrov)
            make_meeting(yasay, make_leader(f"Someone {day}", "RU"), title=f"Yasay meets someone {day}", date=date)
            make_meeting(lavrov, wang, title=f"Lavrov meets Wang {day}", date=date)  # not on ph-ru
            expected += sorted([met, spoke], key=lambda e: e.pk)
        make_event(title="Lavrov's draft", participants=(lavrov, yasay), published=False)
        for query, pair in ((f"leader={lavrov.slug}", "ph-ru"), (f"leader={lavrov.slug}&country=PH", None)):
            filterset = EventFilter(QueryDict(query), queryset=Event.objects.published())
            paginator = paginator_for(filterset, pair=pair, per_page=4)
            assert titles(walk(paginator)) == [e.title for e in expected], query
            assert int(paginator.page(counted=True).count) == 14
        # Staff, who see drafts, get the draft too.
        staff = paginator_for(
            EventFilter(QueryDict(f"leader={lavrov.slug}"), queryset=Event.objects.all()),
            pair="ph-ru",
            per_page=100,
            published_only=False,
        )
        assert "Lavrov's draft" in titles([staff.page()])
