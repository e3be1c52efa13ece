"""
`/relationships/compare/?with=cn&with=us&with=ru`: several relationships of
the home country side by side, their temperature on one chart and in one table.

A missing, unknown or repeated-beyond-reason `with` gives the form back with
its error and status 400, never a 500.
"""

from django import forms
from django.conf import settings
from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from events.models import Country, PairMonth
from events.queries.temperature import MAX_SERIES, compare_temperatures


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


class CompareForm(forms.Form):
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
        self.order_fields(["with", "period"])

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


class CompareView(TemplateView):
    template_name = "events/relationship_compare.html"

    def get(self, request, *args, **kwargs):
        home = settings.HOME_COUNTRY
        form = CompareForm(request.GET, home=home)
        chart = None
        if form.is_valid():
            chart = compare_temperatures(form.cleaned_data["with"], period=form.cleaned_data["period"])
        context = self.get_context_data(form=form, with_field=form["with"], chart=chart, **kwargs)
        return self.render_to_response(context, status=200 if chart else 400)
