"""
The cluster's properties, on a real hot standby, two gunicorn nodes and nginx (`make test-cluster`).

The primary here is a PostgreSQL cluster of its own, `clusterprimary` on 5434, made when missing:
one test restarts it, and the shared server on 5432 (DATABASE_URL's, other test runs') must never
be. Its standby `clusterstandby` on 5435 is made by pg_basebackup (bench/cluster.py, as `make
cluster` makes its own), the nodes listen on 8111 and 8112, nginx on 8110, and the page cache is
Redis db 9, flushed at the start. Everything started is stopped at the end; the two PostgreSQL
clusters keep their data for the next run.

Each property is checked as a reader or an editor sees it, over HTTP: pages read after an edit
was acknowledged show it (no stale page), whichever node serves them; no 5xx while the standby,
a node or the primary stops. Figures, never timing asserts.
"""

import datetime
import fcntl
import http.client
import http.cookiejar
import itertools
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cluster import HOST, ROOT, Cluster, Config, Server, as_root, healthz, pg_version, wait_for  # noqa: E402

PRIMARY_NAME, PRIMARY_PORT = "clusterprimary", 5434
DATABASE = "diplomacy_cluster_test"
CONFIG = Config(
    primary_url=f"postgres://postgres@{HOST}:{PRIMARY_PORT}/{DATABASE}",
    standby_name="clusterstandby",
    standby_port=5435,
    node_ports=(8111, 8112),
    balancer_port=8110,
    redis_db=9,
    state=ROOT / "var" / "cluster-test",
    admin_user="cluster-editor",
)
NODE_A, NODE_B = (f"http://{HOST}:{port}" for port in CONFIG.node_ports)
BALANCER = f"http://{HOST}:{CONFIG.balancer_port}"
SOAK_SECONDS = float(os.environ.get("CLUSTER_SOAK_SECONDS", "45"))
# Each edit is dated a day before the one before it (from yesterday on), after the bundled data
# (which ends in May 2026): so the newest edit is the first event of LIST.
EDIT_DATES = (datetime.date.today() - datetime.timedelta(days=n) for n in itertools.count(1))
LIST = "/events/?date_after=2026-06-01"


def report(line: str) -> None:
    """A figure for the run's log (pytest -s, or the captured output of a failure)."""
    print(f"[cluster] {line}", flush=True)


# -- the cluster under test -------------------------------------------------------------------


def make_primary(version: str) -> bool:
    """`clusterprimary` on 5434, made and started when needed; True if this run started it."""
    etc = Path(f"/etc/postgresql/{version}/{PRIMARY_NAME}")
    if not (etc / "postgresql.conf").exists():
        subprocess.run(
            as_root(["pg_createcluster", "--port", str(PRIMARY_PORT), version, PRIMARY_NAME]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        # The tests log in as postgres over loopback without a password, and replicate.
        (etc / "pg_hba.conf").write_text(
            "local all postgres peer\n"
            "host all postgres 127.0.0.1/32 trust\n"
            "host replication postgres 127.0.0.1/32 trust\n"
        )
    status = subprocess.run(
        as_root(["pg_ctlcluster", "--skip-systemctl-redirect", version, PRIMARY_NAME, "status"]), capture_output=True
    )
    if status.returncode == 0:
        return False
    subprocess.run(as_root(["pg_ctlcluster", "--skip-systemctl-redirect", version, PRIMARY_NAME, "start"]), check=True)
    return True


@pytest.fixture(scope="session")
def cluster():
    """The whole cluster, up for the session, on a freshly made database; stopped afterwards."""
    CONFIG.state.mkdir(parents=True, exist_ok=True)
    lock = open(CONFIG.state / "lock", "w")  # noqa: SIM115 - held for the whole session
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pytest.fail(f"another make test-cluster is running (it holds {CONFIG.state / 'lock'})")
    version = pg_version()
    started_primary = make_primary(version)
    primary = Server.from_url(CONFIG.primary_url)
    if not wait_for(primary.answers, 30):
        pytest.fail(f"{PRIMARY_NAME} on {PRIMARY_PORT} does not answer")
    primary.psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    primary.psql(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(["redis-cli", "-h", HOST, "-n", str(CONFIG.redis_db), "flushdb"], capture_output=True)
    made = Cluster(CONFIG)
    started = time.monotonic()
    try:
        made.up()
        report(f"cluster up in {time.monotonic() - started:.0f} s")
        yield made
    finally:
        made.down()
        if started_primary:
            subprocess.run(as_root(["pg_ctlcluster", "--skip-systemctl-redirect", version, PRIMARY_NAME, "stop"]))


# -- readers and an editor, over HTTP -------------------------------------------------------


def fetch(url: str, timeout: float = 10, source: str | None = None) -> tuple[int, str]:
    """(status, body) of a GET, following redirects; status 0 when no HTTP answer came."""
    parts = urllib.parse.urlsplit(url)
    for _ in range(3):
        connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=timeout, source_address=(source, 0) if source else None
        )
        try:
            connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
        except OSError:
            return 0, ""
        finally:
            connection.close()
        if response.status in (301, 302) and response.getheader("Location"):
            parts = urllib.parse.urlsplit(urllib.parse.urljoin(url, response.getheader("Location")))
            continue
        return response.status, body
    return response.status, body


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 itself is the answer: its Location says what was saved


class Editor:
    """An editor logged in to the admin of one node (or the balancer), adding events as the admin form does.

    The add form is read once for its token and its inlines; each event is then one POST, its
    302 the acknowledgement (the page it points to is not fetched).
    """

    CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    ADD = "/admin/events/event/add/"

    def __init__(self, base: str, cluster: Cluster):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects()
        )
        self.username, self.password = cluster.config.admin_user, cluster.admin_password()
        self.form: dict | None = None

    def post(self, path: str, fields: dict) -> tuple[int, str, str]:
        """(status, Location, body) of a form's POST."""
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=data, headers={"Referer": self.base + path})
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, "", response.read().decode()
        except urllib.error.HTTPError as answer:  # the 302 included, as redirects are not followed
            return answer.code, answer.headers.get("Location", ""), answer.read().decode()

    def form_fields(self, path: str) -> dict:
        """The form's token and every inline of it empty (its management form says so)."""
        form = self.opener.open(self.base + path, timeout=10).read().decode()
        fields = {"csrfmiddlewaretoken": self.CSRF.search(form).group(1)}
        for prefix in set(re.findall(r'name="([\w-]+)-TOTAL_FORMS"', form)):
            fields.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        return fields

    def log_in(self) -> None:
        login = "/admin/login/?next=/admin/"
        fields = {**self.form_fields(login), "username": self.username, "password": self.password}
        status, location, _ = self.post(login, fields)
        assert status == 302 and "/admin/login/" not in location, f"the editor could not log in through {self.base}"
        self.form = self.form_fields(self.ADD)

    def add_event(self, title: str) -> int:
        """The id of a new published meeting, once the admin has acknowledged its save."""
        if self.form is None:
            self.log_in()
        status, location, body = self.post(
            self.ADD,
            {
                **self.form,
                "kind": "meeting",
                "title": title,
                "summary": "Written by bench/test_cluster.py.",
                "status": "held",
                "published": "on",
                "date": next(EDIT_DATES).isoformat(),
                "date_precision": "day",
                "version": "0",
                "countries": ["PH", "RU"],
                "sources-TOTAL_FORMS": "1",
                "sources-INITIAL_FORMS": "0",
                "sources-0-url": "https://example.org/cluster-test",
                "_continue": "1",
            },
        )
        saved = re.search(r"/admin/events/event/(\d+)/change/", location)
        assert status == 302 and saved, (
            f"the admin refused the event ({status}): {re.findall(r'errorlist.*?</ul>', body, re.S)[:3]}"
        )
        return int(saved.group(1))


class Traffic:
    """Reader threads GETting `urls` in turn until stopped; every answer counted by status (0: none)."""

    def __init__(self, bases: list[str], urls: list[str], readers: int = 4):
        self.bases, self.urls, self.readers = bases, urls, readers
        self.statuses: Counter = Counter()
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.read, args=(n,)) for n in range(readers)]

    def read(self, n: int) -> None:
        i = n * 7
        while not self.stop.is_set():
            url = self.bases[i % len(self.bases)] + self.urls[i % len(self.urls)]
            i += 1
            status, _ = fetch(url)
            with self.lock:
                self.statuses[status] += 1
                if status == 0 or status >= 500:
                    self.failures.append(f"{time.strftime('%H:%M:%S')} {status} {url}")

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def summary(self) -> str:
        return f"{sum(self.statuses.values())} requests, by status {dict(sorted(self.statuses.items()))}"


@pytest.fixture(scope="session")
def reader_urls(cluster) -> list[str]:
    """Pages a reader walks: lists, filters, relationships, summits, leaders and 60 events."""
    status, home = fetch(BALANCER + "/")
    assert status == 200
    relationships = sorted(set(re.findall(r'href="(/relationships/ph-[a-z]{2}/)"', home)))[:15]
    status, events = fetch(BALANCER + "/events/")
    event_pages = sorted(set(re.findall(r'href="(/events/\d+/)[^"]*"', events)))[:60]
    filters = [f"/events/?kind={kind}" for kind in ("meeting", "statement", "agreement")]
    filters += [f"/events/?date_after={year}-01-01&date_before={year}-12-31" for year in range(2016, 2027)]
    return ["/", "/events/", "/summits/", "/leaders/", *filters, *relationships, *event_pages]


def standby_transactions(cluster: Cluster) -> int:
    """The app's transactions on the standby so far (each page it rendered is one, rolled back)."""
    row = cluster.standby.psql(f"SELECT xact_rollback FROM pg_stat_database WHERE datname = '{DATABASE}'")
    return int(row or 0)


def node_masters(cluster: Cluster) -> dict[int, int | None]:
    return {port: cluster.node_pid(port) for port in cluster.config.node_ports}


# -- the properties -------------------------------------------------------------------------


def test_every_part_answers_and_anonymous_pages_render_on_the_standby(cluster, reader_urls):
    """Both nodes and the balancer answer; readers' pages are rendered on the standby (its transactions grow)."""
    assert all(healthz(port) for port in (*cluster.config.node_ports, cluster.config.balancer_port))
    before = standby_transactions(cluster)
    for url in reader_urls:
        status, _ = fetch(BALANCER + url)
        assert status == 200, url
    # The standby's statistics reach pg_stat_database within a second or so.
    assert wait_for(lambda: standby_transactions(cluster) - before >= len(reader_urls) // 2, 10), (
        f"only {standby_transactions(cluster) - before} standby transactions for {len(reader_urls)} pages"
    )
    report(f"{len(reader_urls)} pages through nginx: {standby_transactions(cluster) - before} rendered on the standby")
    logs = [(cluster.state / f"node-{port}-access.log").read_text() for port in cluster.config.node_ports]
    assert all(" /events/" in log for log in logs), "nginx did not spread the pages over both nodes"


def test_an_edit_through_one_node_is_seen_through_the_other_at_once_and_never_reverts(cluster):
    """Saved through node A, the event shows on node B's very next read (page and list), and on every read after."""
    editor = Editor(NODE_A, cluster)
    fetch(NODE_B + LIST)  # the list cached on B before the edit
    title = f"Cluster edit {secrets.token_hex(4)}"
    event_id = editor.add_event(title)
    acknowledged = time.monotonic()
    reads = []
    for n in range(30):
        base = (NODE_B, NODE_A, BALANCER)[n % 3]
        page_status, page = fetch(f"{base}/events/{event_id}/")
        _, listing = fetch(base + LIST)
        reads.append((page_status == 200 and title in page, title in listing))
    report(f"edit through :8111, {len(reads)} reads from {time.monotonic() - acknowledged:.1f} s after the save")
    assert reads[0] == (True, True), "node B's first read after the save did not show the edit"
    assert all(page and listing for page, listing in reads), f"the edit reverted: {reads}"


def test_the_client_address_comes_from_nginx_and_cannot_be_forged(cluster):
    """Five wrong passwords from 127.0.0.2 lock the editor out there only; a forged X-Forwarded-For changes nothing."""
    login = urllib.parse.urlsplit(BALANCER)

    def attempt(password: str, source: str, forged: str | None = None) -> int:
        opener = http.client.HTTPConnection(login.hostname, login.port, timeout=10, source_address=(source, 0))
        opener.request("GET", "/admin/login/")
        response = opener.getresponse()
        form = response.read().decode()
        cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
        token = Editor.CSRF.search(form).group(1)
        body = urllib.parse.urlencode(
            {
                "username": cluster.config.admin_user,
                "password": password,
                "csrfmiddlewaretoken": token,
                "next": "/admin/",
            }
        )
        headers = {"Cookie": f"csrftoken={cookie}", "Content-Type": "application/x-www-form-urlencoded"}
        if forged:
            headers["X-Forwarded-For"] = forged
        opener.request("POST", "/admin/login/", body=body, headers=headers)
        status = opener.getresponse().status
        opener.close()
        return status

    for _ in range(5):
        attempt("wrong", "127.0.0.2", forged="198.51.100.9")
    assert attempt(cluster.admin_password(), "127.0.0.2") == 429, "the lock-out did not count 127.0.0.2"
    assert attempt(cluster.admin_password(), "127.0.0.2", forged="198.51.100.10") == 429, "a forged header unlocked"
    assert attempt(cluster.admin_password(), "127.0.0.3") == 302, "another client was locked out too"


def test_stopping_the_standby_during_traffic_gives_no_5xx(cluster, reader_urls):
    """Readers on both nodes while the standby stops and starts again: every answer a 200; the standby serves again after."""
    editor = Editor(BALANCER, cluster)
    with Traffic([NODE_A, NODE_B], reader_urls) as traffic:
        time.sleep(3)
        editor.add_event(f"Cluster edit {secrets.token_hex(4)}")  # every cached page is old now: misses
        cluster.pg_ctl("stop")
        report("standby stopped")
        time.sleep(6)
        editor.add_event(f"Cluster edit {secrets.token_hex(4)}")
        time.sleep(2)
        cluster.pg_ctl("start")
        assert cluster.wait_for_standby(30)
        report("standby started")
        before = standby_transactions(cluster)
        time.sleep(8)  # past the 5 s each process leaves a failed standby alone
    report(f"standby stop and start: {traffic.summary()}")
    assert not traffic.failures, traffic.failures[:10]
    assert set(traffic.statuses) == {200}
    assert wait_for(lambda: standby_transactions(cluster) > before, 10), "the standby was not used again"


def test_stopping_one_node_gives_no_5xx_through_the_balancer(cluster, reader_urls):
    """nginx passes requests to the other node while one is stopped (SIGTERM) and killed (SIGKILL)."""
    port = cluster.config.node_ports[0]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with Traffic([BALANCER], reader_urls) as traffic:
            time.sleep(2)
            pid = cluster.node_pid(port)
            if sig == signal.SIGKILL:  # the whole node at once, workers included, as a crash would
                workers = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
                for worker in workers:
                    os.kill(int(worker), signal.SIGKILL)
            cluster.stop_node(port, sig)
            report(f"node :{port} stopped with {sig.name}")
            time.sleep(5)
        report(f"node stopped ({sig.name}): {traffic.summary()}")
        assert not traffic.failures, traffic.failures[:10]
        assert set(traffic.statuses) == {200}
        cluster.start_node(port)


def test_restarting_the_primary_recovers_without_restarting_the_nodes(cluster, reader_urls):
    """Readers keep getting pages (the standby renders them) while the primary restarts; edits work again after; same nodes."""
    masters = node_masters(cluster)
    editor = Editor(BALANCER, cluster)
    editor.add_event(f"Cluster edit {secrets.token_hex(4)}")
    version = pg_version()
    with Traffic([NODE_A, NODE_B], reader_urls) as traffic:
        time.sleep(3)
        restart = time.monotonic()
        subprocess.run(
            as_root(["pg_ctlcluster", "--skip-systemctl-redirect", version, PRIMARY_NAME, "restart"]), check=True
        )
        report(f"primary restarted in {time.monotonic() - restart:.1f} s")
        title = f"Cluster edit {secrets.token_hex(4)}"
        event_id = None
        deadline = time.monotonic() + 30
        while event_id is None and time.monotonic() < deadline:
            try:
                event_id = editor.add_event(title)
            except (OSError, AssertionError):
                editor.form = None  # log in again: the session may have been lost with the connection
                time.sleep(0.5)
        recovered = time.monotonic() - restart
        time.sleep(3)
    report(f"primary restart: readers {traffic.summary()}; the first edit after it saved {recovered:.1f} s in")
    assert event_id is not None, "no edit could be saved within 30 s of the restart"
    assert fetch(f"{NODE_B}/events/{event_id}/")[0] == 200
    assert not traffic.failures, traffic.failures[:10]
    assert node_masters(cluster) == masters, "an app node was restarted"


def test_soak_one_edit_a_second_readers_on_both_nodes_see_no_stale_page(cluster, reader_urls):
    """For SOAK_SECONDS, an edit a second through alternate nodes; every read started after a save shows it."""
    editors = [Editor(NODE_A, cluster), Editor(NODE_B, cluster)]
    latest: list[tuple[float, int, str]] = []  # (acknowledged at, event id, title)
    stale: list[str] = []
    checks = Counter()
    stop = threading.Event()

    def check(base: str) -> None:
        while not stop.is_set():
            if not latest:
                time.sleep(0.05)
                continue
            _, event_id, title = latest[-1]  # acknowledged before this read starts
            page_status, page = fetch(f"{base}/events/{event_id}/")
            listing_status, listing = fetch(base + LIST)
            checks[base] += 1
            if page_status != 200 or title not in page or listing_status != 200 or title not in listing:
                stale.append(f"{base} event {event_id}: page {page_status}, on the list: {title in listing}")

    checkers = [threading.Thread(target=check, args=(base,)) for base in (NODE_A, NODE_B, NODE_A, NODE_B)]
    with Traffic([NODE_A, NODE_B], reader_urls, readers=2) as traffic:
        for thread in checkers:
            thread.start()
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < SOAK_SECONDS:
            tick = time.monotonic()
            title = f"Soak edit {n} {secrets.token_hex(3)}"
            latest.append((time.monotonic(), editors[n % 2].add_event(title), title))
            n += 1
            time.sleep(max(0.0, 1 - (time.monotonic() - tick)))
        stop.set()
        for thread in checkers:
            thread.join(timeout=30)
    report(
        f"soak {SOAK_SECONDS:.0f} s: {n} edits, {sum(checks.values())} checked reads "
        f"({dict(checks)}), {len(stale)} stale; other readers {traffic.summary()}"
    )
    assert not stale, stale[:10]
    assert not traffic.failures, traffic.failures[:10]
    assert n >= 10, "too few edits for the soak to mean anything"
