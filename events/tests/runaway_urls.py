"""Pages whose query runs for minutes, to prove the statement timeout stops it (test_hardening.py)."""

from django.contrib import admin
from django.db import connection
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import include, path

# Counts to a hundred million, one row at a time: tens of seconds on either database.
RUNAWAY_SQL = (
    "WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < 100000000) "
    "SELECT count(*) FROM counter"
)


def runaway(request):
    with connection.cursor() as cursor:
        cursor.execute(RUNAWAY_SQL)
        return HttpResponse(str(cursor.fetchone()[0]))


def runaway_while_rendering(request):
    """The query runs away only when the template reads it, after the view has returned (a lazy queryset)."""

    class Count:
        def __str__(self):
            with connection.cursor() as cursor:
                cursor.execute(RUNAWAY_SQL)
                return str(cursor.fetchone()[0])

    return TemplateResponse(request, "503.html", {"retry_after": Count()})


urlpatterns = [
    path("runaway/", runaway),
    path("runaway-while-rendering/", runaway_while_rendering),
    path("admin/", admin.site.urls),
    path("", include("events.web.urls")),
]
