#!/usr/bin/env python3
"""hoplite's benchmark suite: starts hoplite on a database, loads it with wrk, writes a results table.

    bash bench/run.sh [--db sqlite,postgres,mysql] [--duration 10] [--scale 1000000] [--smoke]

Every scenario runs against a real `hoplite serve` over loopback; wrk (Debian's package) makes the
load, with the Lua scripts in bench/lua for the multi-step scenarios (create a flow, then submit
it). Each run also measures, in the same run and on the same machine, the baselines the absolute
numbers are divided by: the raw hash rate of the configured hasher on every core (`hoplite bench
hash-rate`) and a fixed JSON response of the same size as a registration flow, served by the same
server (`hoplite.bench.fixed_response_bytes`). The ratios are what to compare between machines.

PostgreSQL and MySQL come from BENCH_DATABASE_POSTGRESQL / BENCH_DATABASE_MYSQL (falling back to the
tests' TEST_DATABASE_*): a URL of a database where the user may create databases; every server gets
a new database, dropped afterwards. Nothing here asserts a speed: --smoke runs every scenario for a
moment (CI does, so the suite cannot rot) and fails only when a scenario errors (a 5xx, a refused
connection, no successful registration).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
PASSWORD = "correct horse battery staple 93"
# The hasher that exposes everything but hashing, and Kratos's default.
CHEAP_HASHER = {"algorithm": "bcrypt", "bcrypt": {"cost": 4}}
KRATOS_HASHER = {"algorithm": "bcrypt", "bcrypt": {"cost": 12}}


class BenchError(Exception):
    """A scenario could not run or went wrong (not: was slow)."""


def log(msg: str) -> None:
    print(f"==> {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body=None, headers=None, timeout=30.0):
    """One request; returns (status, headers, parsed JSON or raw bytes)."""
    data = None
    hdrs = {"Accept": "application/json"}
    hdrs.update(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw, status, rh = r.read(), r.status, r.headers
    except urllib.error.HTTPError as e:
        raw, status, rh = e.read(), e.code, e.headers
    try:
        return status, rh, json.loads(raw) if raw else None
    except ValueError:
        return status, rh, raw


# --- databases ----------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


class Database:
    """Where one server's data lives: a SQLite file, or a fresh PostgreSQL/MySQL database."""

    def __init__(self, kind: str, admin_url: str | None, workdir: Path):
        self.kind = kind
        self.admin_url = admin_url
        self.name = f"hoplite_bench_{uuid.uuid4().hex[:12]}"
        self.workdir = workdir
        if kind == "sqlite":
            # The embedded default's own DSN shape (a file in the working directory).
            self.dsn = f"sqlite://{workdir / (self.name + '.sqlite')}?_fk=true&mode=rwc"
        elif kind == "postgres":
            self._sql(f"CREATE DATABASE {self.name}")
            self.dsn = with_database(admin_url, self.name)
        elif kind == "mysql":
            self._sql(f"CREATE DATABASE {self.name}")
            self.dsn = with_database(admin_url, self.name)
        else:
            raise BenchError(f"unknown database {kind}")

    def _sql(self, statement: str) -> None:
        u = urllib.parse.urlsplit(self.admin_url)
        if self.kind == "postgres":
            cmd = ["psql", self.admin_url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", statement]
            env = dict(os.environ)
        else:
            cmd = ["mysql", "--protocol=tcp", "-h", u.hostname or "127.0.0.1", "-P", str(u.port or 3306),
                   "-u", urllib.parse.unquote(u.username or "root"), "-e", statement]
            env = dict(os.environ, MYSQL_PWD=urllib.parse.unquote(u.password or ""))
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd="/")
        if r.returncode != 0:
            raise BenchError(f"{self.kind}: {statement}: {r.stderr.strip()}")

    def version(self) -> str:
        if self.kind == "sqlite":
            return "SQLite (bundled with hoplite)"
        u = urllib.parse.urlsplit(self.admin_url)
        if self.kind == "postgres":
            cmd = ["psql", self.admin_url, "-qAt", "-c", "SHOW server_version"]
            env = dict(os.environ)
        else:
            cmd = ["mysql", "--protocol=tcp", "-h", u.hostname or "127.0.0.1", "-P", str(u.port or 3306),
                   "-u", urllib.parse.unquote(u.username or "root"), "-N", "-B", "-e", "SELECT VERSION()"]
            env = dict(os.environ, MYSQL_PWD=urllib.parse.unquote(u.password or ""))
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd="/")
        name = "PostgreSQL" if self.kind == "postgres" else "MySQL/MariaDB"
        return f"{name} {r.stdout.strip()}"

    def drop(self) -> None:
        if self.kind != "sqlite":
            try:
                self._sql(f"DROP DATABASE IF EXISTS {self.name}")
            except BenchError as e:
                log(f"warning: {e}")


# --- the server ---------------------------------------------------------------------------------


class Server:
    """One `hoplite serve --dev -c <config>` process on free ports."""

    def __init__(self, binary: str, db: Database, hashers: dict, fixed_bytes: int, workdir: Path,
                 primary_key: bool = True):
        self.binary = binary
        self.db = db
        self.public_port = free_port()
        self.admin_port = free_port()
        self.public = f"http://127.0.0.1:{self.public_port}"
        self.admin = f"http://127.0.0.1:{self.admin_port}"
        self.config_path = workdir / f"kratos-{uuid.uuid4().hex[:8]}.json"
        config = {
            "dsn": db.dsn,
            "serve": {
                "public": {"port": self.public_port, "base_url": self.public + "/"},
                "admin": {"port": self.admin_port, "base_url": self.admin + "/"},
            },
            "log": {"level": "warning"},
            "hashers": hashers,
            "selfservice": {
                "methods": {"password": {"config": {"haveibeenpwned_enabled": False}}},
                # Long enough that no flow expires during a run.
                "flows": {
                    "registration": {"lifespan": "10h"},
                    "login": {"lifespan": "10h"},
                },
            },
            "hoplite": {"bench": {"fixed_response_bytes": fixed_bytes}},
        }
        if primary_key:
            config["hoplite"]["bench"]["primary_key_lookup"] = True
        self.config_path.write_text(json.dumps(config, indent=2))
        self.command = [binary, "serve", "--dev", "-c", str(self.config_path)]
        self.proc: subprocess.Popen | None = None
        self.stderr_path = workdir / f"hoplite-{self.public_port}.log"

    def start(self) -> None:
        if self.db.kind != "sqlite":
            r = subprocess.run([self.binary, "migrate", "sql", self.db.dsn, "--yes"], capture_output=True, text=True)
            if r.returncode != 0:
                raise BenchError(f"migrate sql failed: {r.stderr.strip()}")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DSN", "SERVE_", "HOPLITE_", "LOG_"))}
        self.stderr = open(self.stderr_path, "wb")
        started = time.monotonic()
        self.proc = subprocess.Popen(self.command, env=env, stdout=subprocess.DEVNULL, stderr=self.stderr,
                                     cwd=self.config_path.parent, start_new_session=True)
        wait_ready(self.public, self.proc, started, self.stderr_path)

    def rss_kib(self, key: str = "VmRSS") -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        return 0

    def reset_peak(self) -> bool:
        """Resets the kernel's peak-RSS mark (VmHWM), so the next reading is this scenario's peak."""
        try:
            Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc and self.proc.returncode not in (0, -signal.SIGTERM):
            raise BenchError(f"hoplite exited with {self.proc.returncode}; see {self.stderr_path}")
        self.stderr.close()


def cpu_by_process(server_pid: int) -> dict[str, int]:
    """CPU time used so far (clock ticks, user + system) by the hoplite server, the database's
    processes and wrk, from /proc (processes that ended are not counted: take the difference
    over a span in which none of them ends)."""
    out = {"hoplite": 0, "database": 0, "wrk": 0}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        ticks = int(fields[11]) + int(fields[12])
        if int(pid) == server_pid:
            out["hoplite"] += ticks
        elif name.startswith(("postgres", "mariadbd", "mysqld")):
            out["database"] += ticks
        elif name == "wrk":
            out["wrk"] += ticks
    return out


def cpu_times() -> tuple[int, int]:
    """The machine's (busy, total) CPU time so far, in clock ticks (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def quiesce(limit: float = 10.0, window: float = 0.25, busy_below: float = 0.15) -> None:
    """Waits (up to `limit` seconds) until the whole machine is nearly idle for one `window`, so
    one scenario's aftermath (a WAL checkpoint, a database's background flushing) does not run
    during the next one's measurement."""
    deadline = time.monotonic() + limit
    before = cpu_times()
    while time.monotonic() < deadline:
        time.sleep(window)
        after = cpu_times()
        busy, total = after[0] - before[0], after[1] - before[1]
        if total and busy / total < busy_below:
            return
        before = after
    log(f"the machine did not quiet down within {limit:.0f} s; measuring anyway")


def wait_ready(base: str, proc: subprocess.Popen, started: float, stderr_path: Path) -> float:
    """Polls /health/ready every millisecond; returns milliseconds from spawn to the first 200."""
    host, port = "127.0.0.1", int(base.rsplit(":", 1)[1])
    request = b"GET /health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    deadline = started + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"hoplite exited: {stderr_path.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection((host, port), timeout=1) as s:
                s.sendall(request)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return (time.monotonic() - started) * 1000
        except OSError:
            pass
        time.sleep(0.001)
    raise BenchError("hoplite did not become ready within 60 s")


# --- load ---------------------------------------------------------------------------------------


def lua_script(workdir: Path, name: str) -> Path:
    """wrk takes one script: the shared part (status counting, JSON report) plus the scenario's."""
    out = workdir / f"{name}.lua"
    out.write_text((BENCH_DIR / "lua" / "common.lua").read_text() + "\n" + (BENCH_DIR / "lua" / f"{name}.lua").read_text())
    return out


class Load:
    """One wrk run (started in the background with `start`, or run to the end with `run`)."""

    def __init__(self, url: str, script: Path, duration: float, connections: int, args=(), headers=(),
                 timeout: str = "10s", threads: int = 2, shown: dict | None = None):
        connections = max(connections, threads)
        # Values replaced by a name in the command written to the results (URLs, ids, tokens).
        self.shown = shown or {}
        self.seconds = max(1, round(duration))
        self.cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{self.seconds}s",
                    "--timeout", timeout, "--latency", "-s", str(script)]
        for h in headers:
            self.cmd += ["-H", h]
        self.cmd.append(url)
        if args:
            self.cmd += ["--", *args]
        self.proc = None

    def display(self) -> str:
        out = []
        for c in self.cmd:
            if c.endswith(".lua"):
                c = f"bench/lua/{Path(c).name}"
            for value, name in self.shown.items():
                c = c.replace(value, name)
            out.append(c)
        return " ".join(a if a.startswith("$") or "$" not in a and shlex.quote(a) == a else f'"{a}"' for a in out)

    def start(self) -> "Load":
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return self

    def wait(self) -> dict:
        out, err = self.proc.communicate()
        for line in err.splitlines():
            if line.startswith("unexpected answer: "):
                log(f"wrk: {line[:600]}")
        if self.proc.returncode != 0:
            raise BenchError(f"wrk failed ({self.proc.returncode}): {err.strip() or out.strip()}")
        for line in out.splitlines():
            if line.startswith("BENCHJSON "):
                r = json.loads(line[len("BENCHJSON "):])
                secs = r["duration_us"] / 1e6
                r["rps"] = r["requests"] / secs if secs else 0.0
                r["ok_per_s"] = r["counted"]["ok"] / secs if secs else 0.0
                r["command"] = self.display()
                return r
        raise BenchError(f"wrk printed no report: {out.strip()} {err.strip()}")

    def run(self) -> dict:
        return self.start().wait()


# --- scenarios ----------------------------------------------------------------------------------


def api_flow(server: Server) -> dict:
    status, _, body = http("GET", f"{server.public}/self-service/registration/api")
    if status != 200:
        raise BenchError(f"creating an API flow answered {status}: {body}")
    return body


def browser_flow(server: Server) -> tuple[dict, str]:
    req = urllib.request.Request(f"{server.public}/self-service/registration/browser",
                                 headers={"Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        body = json.loads(r.read())
        cookies = [c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or []]
    return body, "; ".join(cookies)


def login_one(server: Server, identifier: str) -> dict:
    status, _, flow = http("GET", f"{server.public}/self-service/login/api")
    if status != 200:
        raise BenchError(f"creating a login flow answered {status}: {flow}")
    status, _, body = http("POST", f"{server.public}/self-service/login?flow={flow['id']}",
                           {"method": "password", "identifier": identifier, "password": PASSWORD})
    if status != 200:
        raise BenchError(f"signing in as {identifier} answered {status}: {body}")
    return body


def register_one(server: Server, email: str) -> dict:
    flow = api_flow(server)
    status, _, body = http("POST", f"{server.public}/self-service/registration?flow={flow['id']}",
                           {"method": "password", "password": PASSWORD, "traits": {"email": email}})
    if status != 200:
        raise BenchError(f"registering {email} answered {status}: {body}")
    return body


# The names `--only` takes, in the order the suite runs them.
SCENARIOS = ("fixed", "pk", "create", "get", "browser", "whoami", "register", "login", "scale", "cost12",
             "argon2")

# Whether many 4xx answers fail a scenario (off in --smoke runs).
STRICT_4XX = True


def check(name: str, r: dict, want_ok: bool = True, allow_429: bool = False) -> None:
    e, c = r["errors"], r["counted"]
    problems = []
    if e["connect"] or e["read"] or e["write"]:
        problems.append(f"socket errors {e}")
    if c["s5xx"]:
        problems.append(f"{c['s5xx']} responses were 5xx")
    # A stray client error is reported (wrk prints its body) but only fails a measuring run when
    # it is more than 1 % of the answers, and never a smoke run: the suite measures speed; the
    # tests own correctness.
    if STRICT_4XX and c["s4xx"] * 100 > max(r["requests"], 1):
        problems.append(f"{c['s4xx']} responses were 4xx")
    elif c["s4xx"]:
        log(f"warning: {name}: {c['s4xx']} of {r['requests']} responses were 4xx")
    if c["s429"] and not allow_429:
        problems.append(f"{c['s429']} responses were 429")
    if want_ok and c["ok"] == 0:
        problems.append("nothing succeeded")
    if problems:
        raise BenchError(f"{name}: " + "; ".join(problems))


def db_segments(server: Server) -> int | None:
    """Data segments the server's connections to its database have sent so far, as the kernel
    counts them (`ss -tinp`: `data_segs_out` of every TCP socket of the hoplite process whose
    peer is the database's port). A statement, a BEGIN, a COMMIT or a driver's ping is one
    segment each (they are far smaller than a segment), so the difference over sequential
    requests is the round trips they made. None on SQLite (no network) or without `ss`."""
    if server.db.kind == "sqlite" or not shutil.which("ss") or not server.proc:
        return None
    port = urllib.parse.urlsplit(server.db.dsn).port or (5432 if server.db.kind == "postgres" else 3306)
    out = subprocess.run(["ss", "-H", "-t", "-i", "-n", "-p", "state", "established"], capture_output=True,
                         text=True).stdout
    total, mine = 0, False
    for line in out.splitlines():
        if line and not line[0].isspace():
            fields = line.split()
            # Recv-Q Send-Q Local:Port Peer:Port users:((...)) (with `state` given, no State column)
            peer = fields[3] if len(fields) > 3 else ""
            mine = peer.rsplit(":", 1)[-1] == str(port) and f"pid={server.proc.pid}," in line
            continue
        if mine:
            for item in line.split():
                if item.startswith("data_segs_out:"):
                    total += int(item.split(":", 1)[1])
    return total


def round_trips(server: Server, op, n: int) -> float | None:
    """Round trips to the database per `op()` (one request, or one whole sign-up), over `n`
    sequential runs after a warm-up (so that every pooled connection has prepared its
    statements)."""
    if db_segments(server) is None:
        return None
    for _ in range(min(n, 20)):
        op()
    before = db_segments(server)
    for _ in range(n):
        op()
    after = db_segments(server)
    return (after - before) / n


class Run:
    def __init__(self, args):
        self.args = args
        self.smoke = args.smoke
        self.duration = args.duration
        self.workdir = Path(tempfile.mkdtemp(prefix="hoplite-bench-"))
        self.binary = args.binary
        self.results: dict = {"scenarios": [], "baselines": {}, "startup": {}, "scale": {}}
        self.run_id = uuid.uuid4().hex[:8]
        self.shown: dict[str, str] = {}
        # Raw hashes per second of each hasher on all cores (measured in `main`).
        self.ceiling: dict[str, float] = {}
        self.knows_primary_key: dict[str, bool] = {}
        # With --against: which build and round the scenarios now running belong to.
        self.label, self.round = "", 0

    def add(self, db: str, name: str, r: dict, **extra) -> dict:
        row = {"db": db, "scenario": name, **r, **extra}
        if self.label:
            row.update(build=self.label, round=self.round)
        self.results["scenarios"].append(row)
        c = row.get("counted", {})
        lat = row.get("latency_us", {})
        rt = row.get("round_trips")
        if rt is not None:
            log(f"{db:8} {name:28} {rt:.2f} round trips to the database per operation")
        log(f"{db:8} {name:28} {row.get('rps', 0):9.1f} req/s  ok/s {row.get('ok_per_s', 0):8.1f}  "
            f"p50 {lat.get('p50', 0) / 1000:7.2f} ms  p99 {lat.get('p99', 0) / 1000:7.2f} ms  "
            f"429 {c.get('s429', 0)}  5xx {c.get('s5xx', 0)}  timeouts {row.get('errors', {}).get('timeout', 0)}")
        return row

    def hash_rate(self, name: str, hashers: dict) -> dict:
        cfg = self.workdir / f"hash-{name}.json"
        cfg.write_text(json.dumps({"hashers": hashers}))
        secs = 1.0 if self.smoke else max(3.0, self.duration / 2)
        cmd = [self.binary, "bench", "hash-rate", "--dev", "-c", str(cfg), "--seconds", str(secs)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise BenchError(f"hash-rate failed: {r.stderr.strip()}")
        out = json.loads(r.stdout)
        out["command"] = shlex.join(["hoplite", *cmd[1:4], "-c", "<file>", *cmd[6:]]) + \
            f" (the file: {json.dumps({'hashers': hashers})})"
        self.results["baselines"][f"hash_rate_{name}"] = out
        log(f"raw hash rate {name}: {out['per_second']:.1f}/s on {out['threads']} threads")
        return out

    def startup(self) -> None:
        """The embedded default exactly as README runs it: `serve --dev`, no config, fresh directory."""
        d = Path(tempfile.mkdtemp(prefix="startup-", dir=self.workdir))
        port, admin = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DSN", "SERVE_", "HOPLITE_", "LOG_"))}
        env.update(SERVE_PUBLIC_PORT=str(port), SERVE_ADMIN_PORT=str(admin))
        started = time.monotonic()
        proc = subprocess.Popen([self.binary, "serve", "--dev"], cwd=d, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            ms = wait_ready(f"http://127.0.0.1:{port}", proc, started, d / "none")
            time.sleep(1.0)
            rss = 0
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        self.results["startup"] = {"start_to_ready_ms": ms, "idle_rss_kib": rss,
                                   "command": "hoplite serve --dev  (fresh directory, no configuration)"}
        log(f"embedded default: ready after {ms:.0f} ms, idle RSS {rss / 1024:.1f} MiB")

    def want(self, scenario: str) -> bool:
        """Whether `--only` leaves `scenario` in (every scenario without it), and the binary under
        test can run it."""
        if scenario == "pk" and not self.has_primary_key():
            return False
        return not self.args.only or scenario in self.args.only

    def has_primary_key(self) -> bool:
        """Whether the binary knows `hoplite.bench.primary_key_lookup` (builds before it refuse the
        key). The key's name is compiled into the binary."""
        if self.binary not in self.knows_primary_key:
            with open(self.binary, "rb") as f:
                self.knows_primary_key[self.binary] = b"primary_key_lookup" in f.read()
        return self.knows_primary_key[self.binary]

    def database(self, kind: str) -> Database:
        url = None
        if kind == "postgres":
            url = os.environ.get("BENCH_DATABASE_POSTGRESQL") or os.environ.get("TEST_DATABASE_POSTGRESQL")
        elif kind == "mysql":
            url = os.environ.get("BENCH_DATABASE_MYSQL") or os.environ.get("TEST_DATABASE_MYSQL")
        if kind != "sqlite" and not url:
            raise BenchError(f"{kind}: set BENCH_DATABASE_{'POSTGRESQL' if kind == 'postgres' else 'MYSQL'}")
        return Database(kind, url, self.workdir)

    def server(self, db: Database, hashers: dict, fixed_bytes: int = 0) -> Server:
        s = Server(self.binary, db, hashers, fixed_bytes, self.workdir, primary_key=self.has_primary_key())
        s.start()
        return s

    def wrk(self, server: Server, path: str, script: str, connections: int, duration: float | None = None,
            args=(), headers=(), timeout="10s") -> Load:
        shown = {server.public: "$HOPLITE", self.run_id: "$RUN"}
        shown.update(self.shown)
        return Load(server.public + path, lua_script(self.workdir, script), duration or self.duration,
                    connections, args=args, headers=headers, timeout=timeout, shown=shown)

    def measured(self, server: Server, load: Load) -> tuple[dict, int]:
        """Runs `load` once the machine is quiet; returns its report and the server's peak RSS (KiB)
        during it."""
        quiesce()
        reset = server.reset_peak()
        load.start()
        # CPU per operation by process, over most of the run: wrk's own is read while it still
        # runs (a process that ended has no /proc entry).
        started, before = time.monotonic(), cpu_by_process(server.proc.pid)
        while time.monotonic() < started + load.seconds - 0.5 and load.proc.poll() is None:
            time.sleep(0.1)
        window, during = time.monotonic() - started, cpu_by_process(server.proc.pid)
        r = load.wait()
        ops = r["counted"]["ok"] * window / load.seconds
        if ops > 0:
            hz = os.sysconf("SC_CLK_TCK")
            r["cpu_us_per_op"] = {k: (during[k] - before[k]) / hz * 1e6 / ops for k in before}
        return r, server.rss_kib("VmHWM") if reset else 0

    # One database: every scenario.
    def on(self, kind: str) -> None:
        cheap, default = CHEAP_HASHER, KRATOS_HASHER
        conns = 50
        db = self.database(kind)
        self.results.setdefault("databases", {})[kind] = db.version()
        servers: list[Server] = []
        try:
            # The cheap-hasher server: everything that is not hashing. Started once to learn a flow's
            # size, then again serving the fixed response of that size.
            s = self.server(db, cheap)
            servers.append(s)
            size = len(urllib.request.urlopen(f"{s.public}/self-service/registration/api", timeout=30).read())
            s.stop()
            servers.remove(s)
            s = self.server(db, cheap, fixed_bytes=size)
            servers.append(s)

            fixed = None
            if self.want("fixed"):
                r, peak = self.measured(s, self.wrk(s, "/hoplite/bench/fixed", "get", conns))
                check("fixed", r)
                fixed = self.add(kind, "fixed response (baseline)", r, peak_rss_kib=peak, body_bytes=size)

            def get(path: str, headers=None):
                return lambda: http("GET", s.public + path, headers=headers)

            trips = 50 if self.smoke else 500
            pk = None
            if self.want("pk"):
                rt = round_trips(s, get("/hoplite/bench/primary-key"), trips)
                r, peak = self.measured(s, self.wrk(s, "/hoplite/bench/primary-key", "get", conns))
                check("primary-key lookup", r)
                pk = self.add(kind, "primary-key lookup (baseline)", r, peak_rss_kib=peak, round_trips=rt)

            def versus(r: dict) -> dict:
                out = {}
                if fixed:
                    out["vs_fixed"] = r["rps"] / fixed["rps"]
                if pk:
                    out["vs_primary_key"] = r["rps"] / pk["rps"]
                return out

            if self.want("create"):
                rt = round_trips(s, get("/self-service/registration/api"), trips)
                r, peak = self.measured(s, self.wrk(s, "/self-service/registration/api", "get", conns))
                check("create api flow", r)
                self.add(kind, "create API flow", r, peak_rss_kib=peak, round_trips=rt)

            if self.want("get"):
                flow = api_flow(s)
                self.shown[flow["id"]] = "$API_FLOW_ID"
                path = f"/self-service/registration/flows?id={flow['id']}"
                rt = round_trips(s, get(path), trips)
                r, peak = self.measured(s, self.wrk(s, path, "get", conns))
                check("get flow", r)
                self.add(kind, "get flow (seed endpoint)", r, peak_rss_kib=peak, round_trips=rt, **versus(r))

            if self.want("browser"):
                bflow, cookie = browser_flow(s)
                self.shown[bflow["id"]] = "$BROWSER_FLOW_ID"
                self.shown[cookie] = "$CSRF_COOKIE"
                r, peak = self.measured(s, self.wrk(s, f"/self-service/registration/flows?id={bflow['id']}", "get",
                                                    conns, headers=[f"Cookie: {cookie}"]))
                check("get browser flow", r)
                self.add(kind, "get browser flow + CSRF cookie", r, peak_rss_kib=peak, **versus(r))

            if self.want("whoami"):
                token = register_one(s, f"whoami-{self.run_id}@bench.example")["session_token"]
                self.shown[token] = "$SESSION_TOKEN"
                rt = round_trips(s, get("/sessions/whoami", {"X-Session-Token": token}), trips)
                r, peak = self.measured(s, self.wrk(s, "/sessions/whoami", "get", conns,
                                                    headers=[f"X-Session-Token: {token}"]))
                check("whoami", r)
                self.add(kind, "whoami (session token)", r, peak_rss_kib=peak, round_trips=rt, **versus(r))

            if self.want("register"):
                counter = iter(range(10**9))
                rt = round_trips(s, lambda: register_one(s, f"rt-{self.run_id}-{next(counter)}@bench.example"),
                                 trips // 5)
                r, peak = self.measured(s, self.wrk(s, "/", "register", conns, args=[f"{self.run_id}-cheap", PASSWORD]))
                check("register (bcrypt 4)", r)
                self.add(kind, "register, bcrypt cost 4", r, peak_rss_kib=peak, round_trips=rt,
                         vs_hash_ceiling=r["ok_per_s"] / self.ceiling["bcrypt4"])

            if self.want("login"):
                user = f"login-{self.run_id}@bench.example"
                register_one(s, user)
                rt = round_trips(s, lambda: login_one(s, user), trips // 5)
                r, peak = self.measured(s, self.wrk(s, "/", "login", conns, args=[user, PASSWORD]))
                check("sign in (bcrypt 4)", r)
                self.add(kind, "sign in, bcrypt cost 4", r, peak_rss_kib=peak, round_trips=rt,
                         vs_hash_ceiling=r["ok_per_s"] / self.ceiling["bcrypt4"])

            if self.want("scale"):
                self.scale(kind, s)
            s.stop()
            servers.remove(s)
            if not self.want("cost12"):
                if kind == self.args.dbs[0] and self.want("argon2"):
                    self.argon2_burst(db)
                return

            # Kratos's default hasher: the hash-bound ceiling, and the latency of cheap requests
            # while registrations saturate the CPU.
            s = self.server(db, default)
            servers.append(s)
            reg_conns = 8 if self.smoke else 16
            r, peak = self.measured(s, self.wrk(s, "/", "register", reg_conns, args=[f"{self.run_id}-b12", PASSWORD],
                                                timeout="30s"))
            check("register (bcrypt 12)", r)
            self.add(kind, "register, bcrypt cost 12", r, peak_rss_kib=peak,
                     vs_hash_ceiling=r["ok_per_s"] / self.ceiling["bcrypt12"])

            flow = api_flow(s)
            self.shown[flow["id"]] = "$API_FLOW_ID"
            quiesce()
            s.reset_peak()
            bg = self.wrk(s, "/", "register", reg_conns, duration=self.duration + 2,
                          args=[f"{self.run_id}-b12bg", PASSWORD], timeout="30s").start()
            time.sleep(1.0)
            r = self.wrk(s, f"/self-service/registration/flows?id={flow['id']}", "get", 10).run()
            rb = bg.wait()
            check("get flow under load", r)
            check("registrations under load", rb)
            self.add(kind, "get flow while registering", r, peak_rss_kib=s.rss_kib("VmHWM"),
                     background=f"{rb['ok_per_s']:.1f} registrations/s: {rb['command']}")
            s.stop()
            servers.remove(s)

            if kind == self.args.dbs[0] and self.want("argon2"):
                self.argon2_burst(db)
        finally:
            for s in servers:
                try:
                    s.stop()
                except BenchError as e:
                    log(f"warning: {e}")
            db.drop()

    def argon2_hasher(self) -> tuple[int, dict]:
        """Kratos's argon2 defaults (memory in MiB, and the hasher). Smoke runs (debug builds in
        CI) use 16 MB so the queue drains in moments; the path is the same."""
        memory_mib = 16 if self.smoke else 128
        return memory_mib, {"algorithm": "argon2", "argon2": {"memory": f"{memory_mib}MB", "iterations": 1,
                                                               "parallelism": 4, "salt_length": 16,
                                                               "key_length": 32}}

    def argon2_burst(self, db: Database) -> None:
        """Many simultaneous argon2 registrations at Kratos's argon2 defaults (128 MiB each)."""
        memory_mib, argon2 = self.argon2_hasher()
        s = self.server(db, argon2)
        try:
            conns = 100 if self.smoke else 1000
            r, peak = self.measured(s, self.wrk(s, "/", "register", conns, args=[f"{self.run_id}-a2", PASSWORD],
                                                timeout="60s"))
            check("argon2 burst", r, allow_429=True)
            pool = os.cpu_count() or 1
            bound = pool * memory_mib * 1024 + 100 * 1024
            self.add(db.kind, f"register, argon2, {conns} connections", r, peak_rss_kib=peak,
                     rss_bound_kib=bound)
        finally:
            s.stop()

    def scale(self, kind: str, s: Server) -> None:
        """Registration and sign-in latency on a nearly empty database, then after importing N
        identities through the batch endpoint, with pre-hashed passwords."""
        n = self.args.scale
        user = f"scale-user-{self.run_id}@bench.example"
        register_one(s, user)
        # A hash of PASSWORD made by the server itself, imported with every identity.
        ident_id = register_one(s, f"h-{self.run_id}@bench.example")["identity"]["id"]
        status, _, ident = http("GET", f"{s.admin}/admin/identities/{ident_id}?include_credential=password")
        if status != 200:
            raise BenchError(f"reading identity {ident_id} answered {status}: {ident}")
        hashed = ident["credentials"]["password"]["config"]["hashed_password"]

        def latencies(label: str) -> None:
            tag = "".join(ch for ch in label if ch.isalnum())
            # A short unmeasured run first, so that both databases are measured warm (right after
            # the import, SQLite is still checkpointing its log and the page cache is cold).
            quiesce()
            warm = self.wrk(s, "/", "register", 2, duration=1 if self.smoke else 3,
                            args=[f"{self.run_id}-{tag}w", PASSWORD]).run()
            check(f"warm-up ({label})", warm)
            self.wrk(s, "/", "login", 2, duration=1 if self.smoke else 3, args=[user, PASSWORD]).run()
            r = self.wrk(s, "/", "register", 2, args=[f"{self.run_id}-{tag}", PASSWORD]).run()
            check(f"register ({label})", r)
            self.add(kind, f"register, {label} database", r)
            r = self.wrk(s, "/", "login", 2, args=[user, PASSWORD]).run()
            check(f"login ({label})", r)
            self.add(kind, f"sign in, {label} database", r)

        latencies("empty")
        batch = 1000
        started = time.monotonic()

        def send(start: int) -> None:
            items = [{"create": {"schema_id": "default",
                                 "traits": {"email": f"imp-{self.run_id}-{i}@bench.example"},
                                 "credentials": {"password": {"config": {"hashed_password": hashed}}}}}
                     for i in range(start, min(start + batch, n))]
            status, _, body = http("PATCH", f"{s.admin}/admin/identities", {"identities": items}, timeout=300)
            if status != 200 or any("error" in i for i in body.get("identities", [])):
                raise BenchError(f"import batch at {start} answered {status}: {str(body)[:500]}")

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for f in [pool.submit(send, start) for start in range(0, n, batch)]:
                f.result()
        took = time.monotonic() - started
        self.results["scale"][kind] = {"identities": n, "seconds": took, "per_second": n / took,
                                       "command": f"PATCH /admin/identities, {batch} per request, 2 at a time"}
        log(f"{kind}: imported {n} identities in {took:.1f} s ({n / took:.0f}/s)")
        latencies(f"{n:,}-identity")

    def main(self) -> int:
        try:
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
        except (ValueError, OSError):
            pass
        self.results["machine"] = machine()
        self.results["started"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        self.results["command"] = "bash bench/run.sh " + shlex.join(sys.argv[1:])
        self.startup()
        # The ceilings the registration rates are divided by, measured once before any server runs.
        self.ceiling = {name: self.hash_rate(name, hashers)["per_second"]
                        for name, hashers in (("bcrypt4", CHEAP_HASHER), ("bcrypt12", KRATOS_HASHER),
                                              ("argon2", self.argon2_hasher()[1]))}
        if self.args.against:
            # Before and after, alternating, so that the machine's drift falls on both alike.
            builds = (("before", self.args.against), ("after", self.args.binary))
            self.results["builds"] = {label: build_of(binary) for label, binary in builds}
            for self.round in range(1, self.args.rounds + 1):
                for self.label, self.binary in builds:
                    log(f"round {self.round}: {self.label} ({self.results['builds'][self.label]})")
                    for kind in self.args.dbs:
                        self.on(kind)
        else:
            for kind in self.args.dbs:
                self.on(kind)
        write_results(self.results, Path(self.args.out))
        log(f"results: {self.args.out} (and .json)")
        shutil.rmtree(self.workdir, ignore_errors=True)
        return 0


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1])
    except OSError:
        pass
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    commit = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 1024 / 1024, 1),
            "kernel": platform.release(), "wrk": (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else "?",
            "hoplite_commit": commit.stdout.strip() or "?"}


def build_of(binary: str) -> str:
    """A binary's file name and what its `hoplite version` prints."""
    r = subprocess.run([binary, "version"], capture_output=True, text=True)
    version = (r.stdout.strip() or r.stderr.strip() or "?").splitlines()[0]
    return f"{Path(binary).name} ({version})"


def comparison(res: dict) -> list[str]:
    """The --against table: each scenario's successes per second in every round, before and
    after, and the ratio of the means; round trips per operation of each build."""
    rows: dict[tuple, dict] = {}
    for r in res["scenarios"]:
        key = (r["db"], r["scenario"])
        entry = rows.setdefault(key, {"before": [], "after": [], "trips": {}, "cpu": {"before": [], "after": []}})
        entry[r["build"]].append(r["ok_per_s"])
        if r.get("cpu_us_per_op"):
            entry["cpu"][r["build"]].append(r["cpu_us_per_op"])
        if r.get("round_trips") is not None:
            entry["trips"][r["build"]] = r["round_trips"]
    b = res["builds"]
    out = ["", f"Before: `{b['before']}`; after: `{b['after']}`; the two alternate, round by round.", "",
           "| db | scenario | before, ok/s per round | after, ok/s per round | after / before | round trips / op before → after | CPU µs / success, hoplite + database, before → after |",
           "| --- | --- | --- | --- | ---: | --- | --- |"]
    for (db, scenario), e in rows.items():
        per = lambda xs: ", ".join(f"{x:,.0f}" for x in xs) or "—"
        ratio = (f"{(sum(e['after']) / len(e['after'])) / (sum(e['before']) / len(e['before'])):.2f}"
                 if e["before"] and e["after"] else "")
        t = e["trips"]
        trips = " → ".join(f"{t[k]:.2f}" if k in t else "—" for k in ("before", "after")) if t else ""
        def cpu(build: str) -> str:
            xs = e["cpu"][build]
            if not xs:
                return "—"
            mean = lambda k: sum(x[k] for x in xs) / len(xs)
            return f"{mean('hoplite'):.0f} + {mean('database'):.0f}"
        cpus = f"{cpu('before')} → {cpu('after')}" if e["cpu"]["before"] or e["cpu"]["after"] else ""
        out.append(f"| {db} | {scenario} | {per(e['before'])} | {per(e['after'])} | {ratio} | {trips} | {cpus} |")
    return out


def cpu_cell(row: dict) -> str:
    """CPU microseconds per success of the server, the database and wrk (SQLite is inside the
    server), or nothing where it was not measured."""
    c = row.get("cpu_us_per_op")
    if not c:
        return ""
    return ", ".join(f"{c[k]:.0f}" for k in ("hoplite", "database", "wrk"))


def peak_mib(row: dict) -> str:
    """The scenario's peak RSS in MiB, or nothing where it was not measured."""
    kib = row.get("peak_rss_kib")
    return f"{kib / 1024:.0f}" if kib else ""


def write_results(res: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(res, indent=2) + "\n")
    m = res["machine"]
    lines = [
        f"# hoplite benchmark results ({res['started']})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Linux {m['kernel']}; load from "
        f"{m['wrk']} on the same machine. hoplite {m['hoplite_commit']} (release build unless noted).",
        f"Databases: {', '.join(res.get('databases', {}).values())}.",
        f"Command: `{res['command']}`",
        "",
        "| db | scenario | req/s | successes/s | p50 ms | p99 ms | 429 | 5xx | timeouts | peak RSS MiB | round trips / op | CPU µs / success: hoplite, database, wrk | ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in res["scenarios"]:
        ratio = ""
        if "vs_primary_key" in r:
            ratio = f"{r['vs_primary_key']:.2f} × primary-key lookup"
            if "vs_fixed" in r:
                ratio += f", {r['vs_fixed']:.2f} × fixed response"
        elif "vs_fixed" in r:
            ratio = f"{r['vs_fixed']:.2f} × fixed response"
        elif "vs_hash_ceiling" in r:
            ratio = f"{r['vs_hash_ceiling']:.2f} × raw hash rate"
        elif "rss_bound_kib" in r:
            ratio = f"peak RSS {r['peak_rss_kib'] / r['rss_bound_kib']:.2f} × bound"
        lat, c = r["latency_us"], r["counted"]
        name = f"{r['scenario']} ({r['build']}, round {r['round']})" if r.get("build") else r["scenario"]
        lines.append(
            f"| {r['db']} | {name} | {r['rps']:.0f} | {r['ok_per_s']:.1f} | {lat['p50'] / 1000:.2f} | "
            f"{lat['p99'] / 1000:.2f} | {c['s429']} | {c['s5xx']} | {r['errors']['timeout']} | "
            f"{peak_mib(r)} | {'' if r.get('round_trips') is None else format(r['round_trips'], '.2f')} | "
            f"{cpu_cell(r)} | {ratio} |")
    if res.get("builds"):
        lines += comparison(res)
    lines += ["", "Baselines measured in the same run:", ""]
    for name, b in res["baselines"].items():
        lines.append(f"- {name}: {b['per_second']:.1f} hashes/s on {b['threads']} threads (`{b['command']}`)")
    s = res["startup"]
    if s:
        lines.append(f"- embedded default: ready {s['start_to_ready_ms']:.0f} ms after spawn, idle RSS "
                     f"{s['idle_rss_kib'] / 1024:.1f} MiB (`{s['command']}`)")
    for kind, sc in res["scale"].items():
        lines.append(f"- {kind}: imported {sc['identities']:,} identities in {sc['seconds']:.1f} s "
                     f"({sc['per_second']:.0f}/s; {sc['command']})")
    lines += ["", "Load commands (the Lua scripts are in bench/lua; `$HOPLITE` is the server's public URL, `$RUN` "
              "this run's id, the other `$` names the flow, token or cookie the suite created first):", ""]
    seen = set()
    for r in res["scenarios"]:
        cmd = r["command"]
        if cmd not in seen:
            seen.add(cmd)
            lines.append(f"- {r['scenario']}: `{cmd}`")
    out.write_text("\n".join(lines) + "\n")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="sqlite", help="comma-separated: sqlite,postgres,mysql (default sqlite)")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per scenario (default 10)")
    p.add_argument("--scale", type=int, default=100000, help="identities imported for the scale scenario")
    p.add_argument("--smoke", action="store_true", help="a moment per scenario: checks the suite runs, measures nothing")
    p.add_argument("--only", default="", help="comma-separated scenarios to run (default: all): " + ", ".join(SCENARIOS))
    p.add_argument("--against", default="", help="an earlier build's binary: run the scenarios with it and with "
                   "--binary, alternating, and write a before/after table")
    p.add_argument("--rounds", type=int, default=3, help="rounds of the --against comparison (default 3)")
    p.add_argument("--binary", default=os.environ.get("HOPLITE_BIN", str(REPO_ROOT / "target" / "release" / "hoplite")))
    p.add_argument("--out", default=str(BENCH_DIR / "results" / "latest.md"))
    a = p.parse_args(argv)
    a.binary = str(Path(a.binary).resolve())
    if a.against:
        a.against = str(Path(a.against).resolve())
        if not os.access(a.against, os.X_OK):
            p.error(f"no binary at {a.against}")
    if not os.access(a.binary, os.X_OK):
        p.error(f"no hoplite binary at {a.binary} (build it, or set HOPLITE_BIN / --binary)")
    a.only = [o.strip() for o in a.only.split(",") if o.strip()]
    for o in a.only:
        if o not in SCENARIOS:
            p.error(f"unknown scenario {o} (known: {', '.join(SCENARIOS)})")
    a.dbs = [d.strip() for d in a.db.split(",") if d.strip()]
    for d in a.dbs:
        if d not in ("sqlite", "postgres", "mysql"):
            p.error(f"unknown database {d}")
    if a.smoke:
        global STRICT_4XX
        STRICT_4XX = False
        a.duration = 1.0
        a.scale = min(a.scale, 2000)
    return a


if __name__ == "__main__":
    try:
        sys.exit(Run(parse_args(sys.argv[1:])).main())
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(1)
