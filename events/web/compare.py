"""
`/relationships/compare/?with=cn&with=us&with=ru`: several relationships of
the home country side by side, their temperature on one chart and in one table.

A missing, unknown or repeated-beyond-reason `with`, or a `period` or
`coding` it does not know, gives the form back with its error and status
400, never a 500. `coding=reviewed` draws the chart from the codes an editor
reviewed only; by default (`all`) the machine's suggestions count too.
"""

from django import forms
from django.conf import settings
from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from events.models import Country, PairMonth
from events.queries.temperature import CODINGS, MAX_SERIES, compare_temperatures


def counterpart_choices(home: str) -> list[tuple[str, str]]:
    """The home country's counterparts with published events, busiest first, as (code, label) (two queries)."""
    home = home.lower()
    counts = (
        PairMonth.objects.filter(Q(pair__startswith=f"{home}-") | Q(pair__endswith=f"-{home}"))
        .values("pair")
        .annotate(count=Sum("events"))
        .order_by()
    )
    by_code = {}
    for row in counts:
        a, b = row["pair"].split("-")
        by_code[(b if a == home else a).upper()] = row["count"]
    names = dict(Country.objects.filter(iso2__in=by_code).values_list("iso2", "name"))
    ordered = sorted(by_code, key=lambda code: (-by_code[code], names[code]))
    return [
        (code.lower(), _("%(country)s (%(count)s events)") % {"country": names[code], "count": by_code[code]})
        for code in ordered
    ]


class CountryCodeListField(forms.MultipleChoiceField):
    """ISO 3166-1 alpha-2 codes in any case, each once, in the order given; checked against the database."""

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {
        "required": gettext_lazy("Choose at least one country to compare with the Philippines."),
    }

    def to_python(self, value):
        return list(dict.fromkeys(v.strip().lower() for v in super().to_python(value) if v.strip()))

    def valid_value(self, value):
        # Any stored country is valid, not only those offered as checkboxes; see CompareForm.clean_with.
        return True


def coding_field() -> forms.ChoiceField:
    """`coding`: draw a chart from every code (`all`, the default) or from the codes an editor reviewed."""
    return forms.ChoiceField(
        label=gettext_lazy("Codes drawn"),
        required=False,
        choices=[
            ("all", gettext_lazy("Every code, reviewed or suggested")),
            ("reviewed", gettext_lazy("Reviewed codes only")),
        ],
        error_messages={
            "invalid_choice": gettext_lazy(
                "A chart is drawn from every code or from the reviewed codes only "
                "(coding=all or coding=reviewed), not from “%(value)s”."
            )
        },
    )


class ChartForm(forms.Form):
    """The relationship page's chart: which codes it is drawn from."""

    coding = coding_field()

    def clean_coding(self):
        return self.cleaned_data["coding"] or "all"


def coding_links(request) -> dict[str, str]:
    """This page drawn from every code and from the reviewed only: its address with `coding` set, the rest kept.

    A timeline's cursor (`after`, `before`) is dropped: the toggle starts the timeline again.
    """
    links = {}
    for value in CODINGS:
        query = request.GET.copy()
        for name in ("coding", "after", "before"):
            query.pop(name, None)
        if value != "all":
            query["coding"] = value
        links[value] = f"{request.path}?{query.urlencode()}" if query else request.path
    return links


class CompareForm(forms.Form):
    coding = coding_field()
    period = forms.ChoiceField(
        label=gettext_lazy("Periods"),
        required=False,
        choices=[
            ("auto", gettext_lazy("Automatic (months; quarters over four years, years over fifteen)")),
            ("month", gettext_lazy("Months")),
            ("quarter", gettext_lazy("Quarters")),
        ],
        error_messages={
            "invalid_choice": gettext_lazy(
                "Periods are months, quarters, or automatic (period=month, quarter or auto)."
            )
        },
    )

    def __init__(self, *args, home: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.home = home
        # `with` is a Python keyword, hence the field added here rather than declared.
        self.fields["with"] = CountryCodeListField(
            label=_("Relationships to compare"),
            choices=counterpart_choices(home),
            help_text=_("Up to %(limit)s. Any two-letter country code works in the address, e.g. ?with=cn&with=us.")
            % {"limit": MAX_SERIES},
        )
        self.order_fields(["with", "period", "coding"])

    def clean_with(self):
        codes = self.cleaned_data["with"]
        if len(codes) > MAX_SERIES:
            raise forms.ValidationError(_("Compare at most %(limit)s relationships at a time.") % {"limit": MAX_SERIES})
        if self.home.lower() in codes:
            raise forms.ValidationError(_("Choose the Philippines' counterparts, not the Philippines itself."))
        found = Country.objects.in_bulk([code.upper() for code in codes])
        unknown = [code for code in codes if code.upper() not in found]
        if unknown:
            raise forms.ValidationError(
                _("%(codes)s: not a country code we know. Use two-letter ISO codes such as cn, us or ru."),
                params={"codes": ", ".join(f"“{code}”" for code in unknown)},
            )
        return [found[code.upper()] for code in codes]

    def clean_period(self):
        return self.cleaned_data["period"] or "auto"

    def clean_coding(self):
        return self.cleaned_data["coding"] or "all"


class CompareView(TemplateView):
    template_name = "events/relationship_compare.html"

    def get(self, request, *args, **kwargs):
        home = settings.HOME_COUNTRY
        form = CompareForm(request.GET, home=home)
        chart = None
        if form.is_valid():
            data = form.cleaned_data
            chart = compare_temperatures(data["with"], period=data["period"], coding=data["coding"])
        context = self.get_context_data(
            form=form, with_field=form["with"], chart=chart, coding_links=coding_links(request), **kwargs
        )
        return self.render_to_response(context, status=200 if chart else 400)
