"""The live server under a browser's parallel requests, on either database.

A browser opens several connections at once: the admin's add page, its
autocompletes and its static files arrive together. On SQLite, Django's
in-memory test database would hand one connection to every request thread,
and their transactions would interleave on it (CI hung there once); the
SQLite test database is therefore a file (diplomacy/settings.py).
"""

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from events.tests.factories import make_leader, make_summit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EDITORS = 6
ROUNDS = 3


def test_the_sqlite_test_database_is_a_file():
    """Each live-server thread opens its own connection: nothing is shared between threads."""
    if connection.vendor == "sqlite":
        assert not connection.is_in_memory_db()


class Editor:
    """An editor's browser: its own cookies, logging in through the admin's form."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.status, response.read().decode()

    def log_in(self, username: str, password: str) -> tuple[int, str]:
        _, form = self.get("/admin/login/?next=/admin/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
        ).encode()
        request = urllib.request.Request(self.base + "/admin/login/?next=/admin/", data=body)
        request.add_header("Referer", self.base + "/admin/login/")
        with self.opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()


def test_editors_logging_in_and_using_autocompletes_at_once_all_succeed(live_server):
    """Six editors log in, open the add form and search summits and leaders in parallel: every answer is right."""
    User = get_user_model()
    for number in range(EDITORS):
        User.objects.create_superuser(f"editor{number}", f"editor{number}@example.org", "a-long-test-password")
    make_leader("Rodrigo Duterte", "PH", office="President of the Philippines")
    make_summit("APEC 2016", name="24th APEC Economic Leaders' Meeting", host="PE")

    failures: list[str] = []
    barrier = threading.Barrier(EDITORS)

    def work(number: int):
        editor = Editor(live_server.url)
        try:
            barrier.wait(timeout=30)
            status, page = editor.log_in(f"editor{number}", "a-long-test-password")
            if status != 200 or "Log out" not in page:
                failures.append(f"editor{number}: login gave {status}")
                return
            for _ in range(ROUNDS):
                _, form = editor.get("/admin/events/event/add/")
                if "Add event" not in form:
                    failures.append(f"editor{number}: no add form")
                _, summits = editor.get(
                    "/admin/autocomplete/?app_label=events&model_name=event&field_name=summit&term=APEC"
                )
                if "APEC 2016" not in summits:
                    failures.append(f"editor{number}: summit search gave {summits[:200]}")
                _, leaders = editor.get(
                    "/admin/autocomplete/?app_label=events&model_name=participant&field_name=leader&term=Dut"
                )
                if "Rodrigo Duterte" not in leaders:
                    failures.append(f"editor{number}: leader search gave {leaders[:200]}")
        except Exception as error:  # an HTTP 500, a refused connection, a timeout: reported, not raised
            failures.append(f"editor{number}: {error!r}")

    threads = [threading.Thread(target=work, args=(number,)) for number in range(EDITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    assert failures == []
