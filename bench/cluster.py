"""
The tracker on several parts, on this machine, from the OS packages: `make cluster`, `make cluster-stop`.

    primary (DATABASE_URL's PostgreSQL) --WAL--> hot standby (a cluster of its own, pg_basebackup)
    Redis (the shared page cache), two gunicorn app nodes, nginx balancing and buffering in front

`up` prepares the primary's database (created if missing, migrated, the bundled data loaded, an
admin account), makes the standby with pg_basebackup (or reuses the one a previous run made, when
it still follows this primary), starts Redis when nothing answers on its port, the two nodes
(production settings, reads on the standby: events/web/replicas.py) and nginx with the server
block of docs/deploy.md, and returns once every part answers, printing the addresses. `down`
stops what `up` started, as recorded in the state directory (var/cluster/ by default), and leaves
the data: the next `up` reuses it. bench/test_cluster.py (`make test-cluster`) starts a cluster of
its own on other ports with this module.

PostgreSQL clusters are made and started with Debian's pg_createcluster and pg_ctlcluster, as root
or with passwordless sudo. The primary must accept replication connections from 127.0.0.1 (a
`replication` line in its pg_hba.conf): `up` says so and stops when it does not.
"""

import argparse
import dataclasses
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from slow_clients import GTHREAD_2X4, server_block  # noqa: E402 - the guide's nginx block and workers

PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = f"postgres://postgres@{HOST}:5432/diplomacy_cluster"


class ClusterError(Exception):
    """What a person must do or know when a part cannot start; printed without a traceback."""


def say(message: str) -> None:
    print(f"cluster: {message}", flush=True)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("check", True)
    return subprocess.run(cmd, cwd=ROOT, **kwargs)


def as_root(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return cmd
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n", *cmd]
    raise ClusterError(f"needs root (or passwordless sudo) to run: {' '.join(cmd)}")


def as_postgres(cmd: list[str]) -> list[str]:
    """A command run as the postgres user, who owns the clusters' files."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return [*as_root([])[:2], "-u", "postgres", *cmd]


def pg_version() -> str:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions or not shutil.which("pg_ctlcluster"):
        raise ClusterError("PostgreSQL is not installed: apt-get install -y postgresql")
    return versions[-1]


@dataclasses.dataclass
class Server:
    """A PostgreSQL server as libpq sees it."""

    host: str
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def from_url(cls, url: str) -> "Server":
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql", "pgsql"):
            raise ClusterError(f"the cluster's primary must be PostgreSQL; DATABASE_URL is {url!r}")
        return cls(
            parts.hostname or HOST,
            parts.port or 5432,
            urllib.parse.unquote(parts.username or "postgres"),
            urllib.parse.unquote(parts.password or ""),
            parts.path.lstrip("/") or "diplomacy_cluster",
        )

    def url(self, database: str | None = None, port: int | None = None, host: str | None = None) -> str:
        auth = urllib.parse.quote(self.user) + (f":{urllib.parse.quote(self.password)}" if self.password else "")
        return f"postgres://{auth}@{host or self.host}:{port or self.port}/{database or self.database}"

    def conninfo(self, **extra) -> str:
        fields = {"host": self.host, "port": self.port, "user": self.user, **extra}
        if self.password:
            fields["password"] = self.password
        return " ".join(f"{key}={value}" for key, value in fields.items())

    def psql(self, sql: str, database: str = "postgres", check: bool = True, **extra) -> str:
        """One statement's rows, `|`-separated; on failure (check=False) the error text, prefixed by '!'."""
        done = subprocess.run(
            ["psql", "-X", "-w", "-Atq", "-d", self.conninfo(dbname=database, connect_timeout=3, **extra), "-c", sql],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            if check:
                raise ClusterError(f"{self.host}:{self.port}: {done.stderr.strip()}")
            return "!" + done.stderr.strip()
        return done.stdout.strip()

    def answers(self) -> bool:
        return not self.psql("SELECT 1", check=False).startswith("!")


@dataclasses.dataclass
class Config:
    """Where each part listens and keeps its files; `make cluster`'s by default, the tests' their own."""

    primary_url: str = DEFAULT_DATABASE_URL
    standby_name: str = "standby"
    standby_port: int = 5433
    node_ports: tuple[int, ...] = (8101, 8102)
    balancer_port: int = 8100
    redis_port: int = 6379
    redis_db: int = 8  # a number of its own: nothing here ever flushes another's keys
    state: Path = ROOT / "var" / "cluster"
    admin_user: str = "admin"


class Cluster:
    def __init__(self, config: Config):
        self.config = config
        self.primary = Server.from_url(config.primary_url)
        self.standby = dataclasses.replace(self.primary, host=HOST, port=config.standby_port)
        self.version = pg_version()
        self.state = config.state
        self.standby_data = Path(f"/var/lib/postgresql/{self.version}/{config.standby_name}")
        self.standby_etc = Path(f"/etc/postgresql/{self.version}/{config.standby_name}")

    # -- the record of what was started ------------------------------------------------------

    def started(self) -> dict:
        path = self.state / "started.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def note_started(self, **parts) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        (self.state / "started.json").write_text(json.dumps({**self.started(), **parts}, indent=2))

    def secret(self, name: str, make) -> str:
        """A value kept in the state directory (mode 600), made once."""
        path = self.state / name
        if not path.exists():
            self.state.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(make())
        return path.read_text().strip()

    # -- the environment every node (and every command on the primary) gets ------------------

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.primary.url(),
            "DATABASE_REPLICA_URL": self.standby.url(),
            "REDIS_URL": f"redis://{HOST}:{self.config.redis_port}/{self.config.redis_db}",
            "DJANGO_DEBUG": "0",
            # Plain HTTP on loopback; production's nginx terminates TLS (docs/deploy.md).
            "DJANGO_HTTPS": "0",
            "DJANGO_SECRET_KEY": self.secret("secret-key", lambda: secrets.token_urlsafe(50)),
            "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
            # nginx is the one proxy in front: the address it saw is the client's.
            "DJANGO_TRUSTED_PROXIES": "1",
            "DJANGO_SUPERUSER_USERNAME": self.config.admin_user,
            "DJANGO_SUPERUSER_PASSWORD": self.admin_password(),
        }

    def admin_password(self) -> str:
        return os.environ.get("DJANGO_SUPERUSER_PASSWORD") or self.secret(
            "admin-password", lambda: secrets.token_urlsafe(12)
        )

    # -- up ------------------------------------------------------------------------------------

    def up(self) -> None:
        self.stop_app()  # a previous run's nodes and balancer, if still there
        self.state.mkdir(parents=True, exist_ok=True)
        self.prepare_primary()
        self.start_standby()
        self.start_redis()
        for port in self.config.node_ports:
            self.start_node(port)
        self.start_balancer()

    def prepare_primary(self) -> None:
        if not self.primary.answers():
            raise ClusterError(
                f"the primary {self.primary.host}:{self.primary.port} does not answer "
                f"({self.primary.psql('SELECT 1', check=False)[1:]})"
            )
        refused = self.primary.psql("IDENTIFY_SYSTEM", replication="true", check=False)
        if refused.startswith("!"):
            raise ClusterError(
                f"the primary {self.primary.host}:{self.primary.port} refuses replication connections "
                f"({refused[1:]}). Put\n    host replication {self.primary.user} 127.0.0.1/32 trust\n"
                f"first in its pg_hba.conf (or give the user a password in DATABASE_URL and use scram-sha-256), "
                f"then reload it: pg_ctlcluster {self.version} <cluster> reload"
            )
        name = self.primary.database
        if not self.primary.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
            say(f"creating the database {name} on {self.primary.host}:{self.primary.port}")
            self.primary.psql(f'CREATE DATABASE "{name}"')
        say(f"migrating {name} and loading the bundled data (a second run adds nothing)")
        env = {**self.env(), "DATABASE_REPLICA_URL": ""}
        for command in (
            ["migrate", "--no-input", "-v0"],
            ["load_bundled_data", "-v0"],
            ["ensure_admin"],
            ["collectstatic", "--no-input", "-v0"],
        ):
            run([PYTHON, "manage.py", *command], env=env, stdout=subprocess.DEVNULL)

    # -- the hot standby -----------------------------------------------------------------------

    def standby_exists(self) -> bool:
        return (self.standby_etc / "postgresql.conf").exists()

    def standby_follows_primary(self) -> bool:
        """Whether the existing standby was copied from this primary (same system) and streams from it."""
        if not (self.standby_data / "standby.signal").exists():
            return False
        control = run(
            as_postgres([f"/usr/lib/postgresql/{self.version}/bin/pg_controldata", str(self.standby_data)]),
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        found = re.search(r"system identifier:\s*(\d+)", control)
        primary_id = self.primary.psql("SELECT system_identifier FROM pg_control_system()")
        auto_conf = self.standby_data / "postgresql.auto.conf"
        streams_from = auto_conf.exists() and f"port={self.primary.port}" in auto_conf.read_text()
        return bool(found) and found.group(1) == primary_id and streams_from

    def pg_ctl(self, action: str, name: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        return run(
            as_root(
                ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, name or self.config.standby_name, action]
            ),
            check=check,
            capture_output=not check,
        )

    def standby_running(self) -> bool:
        status = self.pg_ctl("status", check=False)
        return status.returncode == 0

    def start_standby(self) -> None:
        name = self.config.standby_name
        if self.standby_exists() and self.standby_follows_primary():
            say(f"reusing the standby {name} on port {self.config.standby_port}")
            if not self.standby_running():
                self.pg_ctl("start")
                self.note_started(standby=name)
            if self.wait_for_standby(30):
                return
            say(f"the standby {name} cannot catch up with the primary (its WAL is gone?): making it again")
        self.make_standby()
        self.pg_ctl("start")
        self.note_started(standby=name)
        if not self.wait_for_standby(60):
            raise ClusterError(f"the standby does not stream from the primary: see /var/log/postgresql/ ({name})")

    def make_standby(self) -> None:
        name, port = self.config.standby_name, self.config.standby_port
        if self.standby_exists():
            run(as_root(["pg_dropcluster", "--stop", self.version, name]))
        say(f"making the standby {name} on port {port} with pg_basebackup from {self.primary.host}:{self.primary.port}")
        run(as_root(["pg_createcluster", "--port", str(port), self.version, name]), stdout=subprocess.DEVNULL)
        run(as_root(["find", str(self.standby_data), "-mindepth", "1", "-delete"]))
        started = time.monotonic()
        run(
            as_postgres(
                [
                    "pg_basebackup",
                    "-d",
                    self.primary.conninfo(application_name=name),
                    "-D",
                    str(self.standby_data),
                    "--wal-method=stream",
                    "--write-recovery-conf",
                    "--checkpoint=fast",
                ]
            )
        )
        say(f"pg_basebackup took {time.monotonic() - started:.1f} s")
        conf = self.standby_etc / "conf.d" / "standby.conf"
        conf.write_text(
            "# bench/cluster.py: a hot standby answering the app's reads.\n"
            "hot_standby = on\n"
            # The primary keeps the rows a standby query still reads: no query cancelled by replay.
            "hot_standby_feedback = on\n"
            "max_connections = 100\n"
        )
        # Who may connect: as on the primary when it is a cluster of this machine, else loopback only.
        primary_hba = self.local_cluster_file(self.primary.port, "pg_hba.conf")
        hba = self.standby_etc / "pg_hba.conf"
        if primary_hba:
            shutil.copyfile(primary_hba, hba)
        else:
            hba.write_text(f"local all all peer\nhost all {self.primary.user} 127.0.0.1/32 scram-sha-256\n")

    def local_cluster_file(self, port: int, name: str) -> Path | None:
        """A file of the cluster of this machine listening on `port`, if there is one."""
        for conf in Path("/etc/postgresql").glob(f"{self.version}/*/postgresql.conf"):
            if re.search(rf"^\s*port\s*=\s*{port}\b", conf.read_text(), re.M):
                return conf.parent / name
        return None

    def wait_for_standby(self, seconds: float) -> bool:
        """Until the standby streams and has replayed what the primary had written when asked."""
        target = self.primary.psql("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            row = self.standby.psql(
                "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'none'),"
                f" pg_last_wal_replay_lsn() >= '{target}'::pg_lsn",
                check=False,
            )
            if row == "streaming|t":
                return True
            time.sleep(0.5)
        return False

    # -- Redis, the nodes, the balancer --------------------------------------------------------

    def redis_answers(self) -> bool:
        ping = subprocess.run(
            ["redis-cli", "-h", HOST, "-p", str(self.config.redis_port), "ping"], capture_output=True, text=True
        )
        return ping.stdout.strip() == "PONG"

    def start_redis(self) -> None:
        if self.redis_answers():
            return
        if not shutil.which("redis-server"):
            raise ClusterError("Redis is not installed: apt-get install -y redis-server")
        say(f"starting Redis on {HOST}:{self.config.redis_port}")
        pidfile = self.state / "redis.pid"
        run(
            [
                "redis-server",
                "--bind",
                HOST,
                "--port",
                str(self.config.redis_port),
                "--daemonize",
                "yes",
                "--pidfile",
                str(pidfile),
                "--logfile",
                str(self.state / "redis.log"),
                "--dir",
                str(self.state),
                "--save",
                "",
                # Old versions' pages are never asked for again: let Redis drop them (docs/deploy.md).
                "--maxmemory",
                "256mb",
                "--maxmemory-policy",
                "allkeys-lru",
            ]
        )
        self.note_started(redis=str(pidfile))
        if not wait_for(self.redis_answers, 10):
            raise ClusterError(f"Redis does not answer: see {self.state / 'redis.log'}")

    def node_command(self, port: int) -> list[str]:
        """gunicorn as docs/deploy.md runs it, detached, its pid and logs in the state directory."""
        return [
            GUNICORN,
            "diplomacy.wsgi",
            "--bind",
            f"{HOST}:{port}",
            *GTHREAD_2X4,
            "--timeout",
            "30",
            "--graceful-timeout",
            "30",
            "--max-requests",
            "2000",
            "--max-requests-jitter",
            "200",
            "--daemon",
            "--no-control-socket",  # one socket path per user: two nodes would share it
            "--pid",
            str(self.state / f"node-{port}.pid"),
            "--access-logfile",
            str(self.state / f"node-{port}-access.log"),
            "--error-logfile",
            str(self.state / f"node-{port}.log"),
        ]

    def start_node(self, port: int) -> None:
        if healthz(port):
            raise ClusterError(f"something already answers on {HOST}:{port}: stop it first")
        run(self.node_command(port), env=self.env())
        self.note_started(nodes=sorted({*self.started().get("nodes", []), port}))
        if not wait_for(lambda: healthz(port), 60):
            raise ClusterError(
                f"the app node on {HOST}:{port} does not answer /healthz: see {self.state}/node-{port}.log"
            )

    def node_pid(self, port: int) -> int | None:
        path = self.state / f"node-{port}.pid"
        try:
            return int(path.read_text())
        except (FileNotFoundError, ValueError):
            return None

    def stop_node(self, port: int, sig: int = signal.SIGTERM) -> None:
        pid = self.node_pid(port)
        if pid is not None and stop_process(pid, sig):
            (self.state / f"node-{port}.pid").unlink(missing_ok=True)

    def nginx_conf(self) -> Path:
        """docs/deploy.md's server block, on loopback, balancing the nodes."""
        block = server_block(0, self.config.balancer_port)
        servers = "\n".join(f"    server {HOST}:{port} max_fails=1 fail_timeout=5s;" for port in self.config.node_ports)
        block = re.sub(r"    server 127\.0\.0\.1:0;.*", servers, block)
        block = block.replace(f"{ROOT / 'var' / 'slow-clients' / 'static'}/", f"{ROOT / 'staticfiles'}/")
        # The port is part of the address here: Django's CSRF check compares Origin with Host.
        block = block.replace("proxy_set_header Host $host;", "proxy_set_header Host $http_host;")
        temp = "\n".join(
            f"    {kind}_temp_path {self.state / ('nginx-' + kind)};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        conf = self.state / "nginx.conf"
        conf.write_text(f"""worker_processes 1;
pid {self.state / "nginx.pid"};
error_log {self.state / "nginx-error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log {self.state / "nginx-access.log"};
{temp}
{block}
}}
""")
        return conf

    def start_balancer(self) -> None:
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
        if not nginx:
            raise ClusterError("nginx is not installed: apt-get install -y nginx")
        conf = self.nginx_conf()
        run([nginx, "-t", "-q", "-p", str(self.state), "-c", str(conf)])
        run([nginx, "-p", str(self.state), "-c", str(conf)])
        self.note_started(nginx=str(self.state / "nginx.pid"))
        if not wait_for(lambda: healthz(self.config.balancer_port), 10):
            raise ClusterError(f"nginx does not answer on {HOST}:{self.config.balancer_port}: see {self.state}")

    # -- down ----------------------------------------------------------------------------------

    def stop_app(self) -> None:
        """The balancer and the nodes, stopped."""
        started = self.started()
        nginx_pid = read_pid(self.state / "nginx.pid")
        if started.get("nginx") and nginx_pid:
            stop_process(nginx_pid, signal.SIGQUIT)
        for port in started.get("nodes", []):
            self.stop_node(port)
        if started:
            self.note_started(nginx=None, nodes=[])

    def down(self) -> None:
        started = self.started()
        self.stop_app()
        if started.get("redis"):
            pid = read_pid(Path(started["redis"]))
            if pid:
                stop_process(pid, signal.SIGTERM)
        if started.get("standby") and self.standby_exists() and self.standby_running():
            self.pg_ctl("stop")
        (self.state / "started.json").unlink(missing_ok=True)
        stopped = [f"nginx :{self.config.balancer_port}"] if started.get("nginx") else []
        stopped += [f"node :{port}" for port in started.get("nodes", [])]
        stopped += ["Redis"] if started.get("redis") else []
        stopped += [f"standby {started['standby']}"] if started.get("standby") else []
        say(f"stopped {', '.join(stopped) or 'nothing (nothing was started)'}")

    def addresses(self) -> str:
        nodes = ", ".join(f"http://{HOST}:{port}/" for port in self.config.node_ports)
        primary = (
            self.primary.url().replace(f":{self.primary.password}@", ":***@")
            if self.primary.password
            else self.primary.url()
        )
        return f"""
==================================================================================
 The tracker, balanced:  http://{HOST}:{self.config.balancer_port}/
 The app nodes:          {nodes}
 The admin:              http://{HOST}:{self.config.balancer_port}/admin/  user {self.config.admin_user}, password {self.admin_password()}
 Primary:                {primary}
 Hot standby:            {self.standby.url()} (cluster {self.config.standby_name})
 Redis (page cache):     redis://{HOST}:{self.config.redis_port}/{self.config.redis_db}
 Logs:                   {self.state}/
 Stop with:              make cluster-stop
==================================================================================
"""


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def stop_process(pid: int, sig: int, seconds: float = 35) -> bool:
    """Signal one process and wait for it to end; False if it was not running."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    return True


def healthz(port: int, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=timeout) as response:
            return response.status == 200 and response.read() == b"ok"
    except (OSError, urllib.error.URLError):
        return False


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("up", "down"))
    args = parser.parse_args()
    cluster = Cluster(Config(primary_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL))
    try:
        if args.action == "up":
            cluster.up()
            print(cluster.addresses())
        else:
            cluster.down()
    except (ClusterError, subprocess.CalledProcessError) as error:
        print(f"cluster: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
