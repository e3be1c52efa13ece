import os
import shutil

import pytest


def _constraint_checks_without_the_web_timeout():
    """Django's end-of-test foreign-key check runs without the pages' statement timeout.

    The timeout (DJANGO_STATEMENT_TIMEOUT_MS, 5 s) is the web's guard; on PostgreSQL it is a
    connection option, so it also bounded `SET CONSTRAINTS ALL IMMEDIATE` at a test's teardown,
    which on a loaded machine checked a bundled-data test's rows in more than 5 s and errored.
    """
    from django.db.backends.postgresql.base import DatabaseWrapper

    check = DatabaseWrapper.check_constraints

    def unbounded(self, table_names=None):
        if self.in_atomic_block:
            with self.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = 0")  # until the test's rollback
        return check(self, table_names)

    DatabaseWrapper.check_constraints = unbounded


_constraint_checks_without_the_web_timeout()

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser(django_db_setup):
    """The system Chromium driven by Playwright. Missing Chromium is a failure, never a skip."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` (see README).")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls
    # made by the test itself are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    serialized = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    with sync_playwright() as playwright:
        # With Playwright's loop running, asgiref hands this thread new, context-local
        # connection objects, which lack the test database's serialized contents:
        # `serialized_rollback` would then restore nothing (the countries of the data
        # migration gone after the first flush) once a test has opened the database first.
        for alias, contents in serialized.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def countries_read_once(request):
    """Read the country list (events/models/reference.py) before each database test, as a running site has it.

    It is read once per process, by whichever request comes first; without
    this, a query count would depend on the order the tests run in.
    """
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("_django_db_helper")
    from events.models import reference

    reference.countries()


@pytest.fixture(autouse=True)
def publishers_read_afresh(request):
    """Read the publisher table (models.publisher_table) afresh before each database test.

    It is read once per process, like the countries: left over from another
    test, it would hold publishers that test's rollback removed.
    """
    from events.models import publisher_table

    publisher_table.cache_clear()
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("_django_db_helper")
    publisher_table()
