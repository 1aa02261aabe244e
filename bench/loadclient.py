"""What the load scenarios share: the layout, virtual browsers, the journeys, the figures.

The scenarios (``bench/september_morning.py``, ``bench/peak_signins.py``,
``bench/teachers_and_parents.py``) drive the ``deploy/`` layout — nginx in front of
two processes of each service, PostgreSQL, Redis — over loopback with aiohttp
(``pip install -e '.[bench]'``). Each virtual browser has its own cookie jar and its
own source address (127.1.x.y: all of 127.0.0.0/8 is loopback), so the services'
per-address throttles see one address per family, as they would in the field;
nothing is switched off for the run.

Every figure is printed with the date, the machine (CPU model, cores) and the load
average before and after, because the machine may be shared while it runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("EDZ_DEPLOY_STATE", ROOT / "deploy" / "run"))
OWN_PASSWORD = "Wrzesien-Rano-2026"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_FORM = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]*)"')


# --- the layout ------------------------------------------------------------------------

def seed_for(parents: int, teachers: int = 0) -> str:
    """Demo-school options (``seed-demo``) with at least ``parents`` parent logins (≈ 1.5 per pupil)
    and ``teachers`` teachers (the demo timetable staffs 8 classes with 14 teachers)."""
    pupils = int(parents / 1.4) + 50
    needed = max(-(-pupils // (8 * 26)), -(-teachers // 14))
    sections = "abcdefghij"[:max(1, min(10, needed))]
    return f"--levels 1,2,3,4,5,6,7,8 --sections {sections} --pupils-per-class 26"


def layout(seed: str, parents: int, overrides: list[str] = (), restart: bool = True) -> dict:
    """Bring the ``deploy/`` layout up (fresh databases when ``restart``) and return its state.

    ``info["parents"]`` holds ``parents`` ready parent logins (``bench/ready_logins.py``).
    """
    if restart:
        subprocess.run([str(ROOT / "deploy" / "down"), "--purge"], cwd=ROOT, check=True)
        args = [str(ROOT / "deploy" / "up"), "--seed", seed]
        for item in overrides:
            args += ["--set", item]
        subprocess.run(args, cwd=ROOT, check=True)
    info = json.loads((STATE / "state.json").read_text())
    info["people"] = json.loads(Path(info["people_file"]).read_text()) if info["people_file"] else []
    info["parents"] = json.loads(python(info, str(ROOT / "bench" / "ready_logins.py"),
                                        "--count", str(parents)))
    if len(info["parents"]) < parents:
        sys.exit(f"the demo school has {len(info['parents'])} parent logins, {parents} needed")
    return info


def layout_env(info: dict) -> dict:
    return dict(line.split("=", 1) for line in Path(info["env_file"]).read_text().splitlines() if line)


def python(info: dict, *args: str) -> str:
    """Run the project's Python with the layout's environment (its env file); return stdout."""
    return subprocess.run([str(ROOT / ".venv" / "bin" / "python"), *args], cwd=ROOT, env=layout_env(info),
                          check=True, capture_output=True, text=True).stdout


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- figures ---------------------------------------------------------------------------

@dataclass
class Stats:
    """Latency per page and status counts, over every request of a run."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    failures: list[str] = field(default_factory=list)

    def record(self, label: str, status: int, seconds: float) -> None:
        self.times[label].append(seconds)
        self.statuses[status] += 1
        if status >= 500:
            self.failures.append(f"{status} {label}")

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def table(self) -> str:
        rows = ["| page | requests | p50 ms | p99 ms | max ms |", "|---|---|---|---|---|"]
        for label, values in sorted(self.times.items()):
            ordered = sorted(values)
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            rows.append(f"| {label} | {len(values)} | {statistics.median(values) * 1000:.0f} | "
                        f"{p99 * 1000:.0f} | {ordered[-1] * 1000:.0f} |")
        return "\n".join(rows)


def tracebacks(info: dict, limit: int = 3) -> str:
    """The last lines of the first ``limit`` tracebacks in the services' logs (why a 5xx happened).

    Printed by a failed run: the next run's ``deploy/down --purge`` deletes the logs.
    """
    found = []
    for log in sorted(Path(info["logs"]).glob("*-[12].log")):
        lines = log.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            if line.startswith("Traceback") and len(found) < limit:
                end = next((j for j in range(i + 1, len(lines)) if lines[j] and not lines[j][0].isspace()
                            and not lines[j].startswith(("Traceback", "During", "The above"))), i)
                found.append(f"{log.name}:\n" + "\n".join(lines[max(i, end - 12):end + 1]))
    return "\n\n".join(found)


def verdict(info: dict, stats: Stats, problems: list[str]) -> None:
    """Exit 1, saying why (and the services' tracebacks), on any 5xx or any named problem."""
    if stats.server_errors:
        problems = [f"{stats.server_errors} server errors {stats.failures[:10]}", *problems]
    if problems:
        print("\nFAILED: " + "; ".join(problems), file=sys.stderr)
        print(tracebacks(info), file=sys.stderr)
        sys.exit(1)


def client_cpu(cpu_began: float, wall: float, stats: Stats) -> str:
    """This process's CPU time since ``cpu_began`` (``time.process_time()``): is the client a bottleneck?

    The client shares the cores with the services; a client that used most of a core
    would measure itself, not the layout.
    """
    cpu = time.process_time() - cpu_began
    requests = sum(stats.statuses.values()) or 1
    return (f"load client: {cpu:.1f} s CPU in {wall:.0f} s ({cpu / wall:.0%} of one core), "
            f"{cpu / requests * 1000:.2f} ms CPU per request ({requests} requests)")


def header(title: str, command: str) -> str:
    return (f"### {title}\n\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine()} · "
            f"load average before {load()}\n\n`{command}`\n")


# --- a virtual browser -----------------------------------------------------------------

class Browser:
    """One person's browser: its own cookies, its own loopback address, timed requests."""

    def __init__(self, number: int, stats: Stats) -> None:
        address = f"127.1.{number // 250}.{number % 250 + 1}"
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(local_addr=(address, 0), limit=2),
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=aiohttp.ClientTimeout(total=120))
        self.stats = stats
        self.last_page = ""

    async def close(self) -> None:
        await self.session.close()

    async def request(self, method: str, url: str, label: str,
                      data: dict | None = None) -> tuple[int, str, str]:
        """Follow redirects; record each hop under ``label``; return (status, final URL, body)."""
        started = time.perf_counter()
        async with self.session.request(method, url, data=data, allow_redirects=True) as response:
            body = await response.text()
            status, final = response.status, str(response.url)
        self.stats.record(label, status, time.perf_counter() - started)
        self.last_page = body
        return status, final, body

    async def get(self, url: str, label: str) -> tuple[int, str, str]:
        return await self.request("GET", url, label)

    async def post_form(self, url: str, label: str, fields: dict) -> tuple[int, str, str]:
        """Post ``fields`` with the CSRF token of the last page, as the browser would."""
        token = _CSRF.search(self.last_page)
        fields = {**fields, "csrf_token": token.group(1) if token else ""}
        return await self.request("POST", url, label, fields)


def form_action(body: str, default: str) -> str:
    match = _FORM.search(body)
    return unescape(match.group(1)) if match and match.group(1) else default


# --- journeys ----------------------------------------------------------------------------

async def school_sign_in(browser: Browser, gradebook: str, login: str, password: str) -> bool:
    await browser.get(gradebook + "/login", "gradebook GET /login")
    status, final, body = await browser.post_form(gradebook + "/login", "gradebook POST /login",
                                                  {"login": login, "password": password})
    return status == 200 and 'name="login"' not in body


async def register(browser: Browser, idp: str, email: str, login: str, password: str) -> bool:
    await browser.get(idp + "/register", "idp GET /register")
    status, _, body = await browser.post_form(idp + "/register", "idp POST /register", {
        "email": email, "password": OWN_PASSWORD, "password_confirm": OWN_PASSWORD,
        "school_login": login, "school_password": password, "accept_terms": "y"})
    return status == 200 and 'name="school_login"' not in body


async def activate(browser: Browser, link: str) -> bool:
    await browser.get(link, "idp GET /activate")
    status, _, _ = await browser.post_form(form_action(browser.last_page, link), "idp POST /activate", {})
    return status == 200


async def sso_sign_in(browser: Browser, gradebook: str, idp: str, email: str) -> bool:
    """The register's "unified account" button, the IdP's sign-in, the code flow back."""
    status, final, _ = await browser.get(gradebook + "/auth/sso", "sso GET /auth/sso → idp /login")
    if not final.startswith(idp):
        return False
    status, final, body = await browser.post_form(final, "sso POST idp /login → callback",
                                                  {"email": email, "password": OWN_PASSWORD})
    return status == 200 and final.startswith(gradebook) and "/login" not in final


FAMILY_PAGES = ["/family/", "/family/grades", "/family/attendance", "/family/timetable",
                "/family/homework", "/family/announcements"]


async def browse(browser: Browser, gradebook: str, until: float, pause: float = 1.0) -> int:
    """Read the family pages in turn until ``until`` (monotonic), with think time between."""
    pages = 0
    while time.monotonic() < until:
        for page in FAMILY_PAGES:
            if time.monotonic() >= until:
                break
            await browser.get(gradebook + page, f"family GET {page}")
            pages += 1
            await asyncio.sleep(pause)
    return pages


async def parent_reading(number: int, person: dict, gradebook: str, stats: Stats, until: float,
                         think: float, done) -> None:
    """A parent: signs in with the school login (arrivals spread over 30 s), then reads until ``until``."""
    browser = Browser(number, stats)
    try:
        await asyncio.sleep(number % 30)
        if not await school_sign_in(browser, gradebook, person["login"], person["password"]):
            done["parent sign-in failed"] += 1
            return
        pages = await browse(browser, gradebook, until, think)
        done["parent pages read"] += pages  # after the await: other parents update it meanwhile
    except (TimeoutError, aiohttp.ClientError) as exc:
        done[f"client error {type(exc).__name__}"] += 1
    finally:
        await browser.close()


class Mailbox:
    """The layout's mail catcher, read over its JSON API (one poller for every waiting family).

    Each poll asks only for the mails after those already read (``?after=N``): reading
    every mail on every poll cost the client and the catcher CPU growing with the square
    of the families, on the cores the services need.
    """

    def __init__(self, mail_url: str) -> None:
        self.url = mail_url + "/api/messages"
        self.links: dict[str, str] = {}
        self.received = 0

    async def poll(self, session: aiohttp.ClientSession) -> None:
        async with session.get(self.url, params={"after": str(self.received)}) as response:
            mails = await response.json()
        self.received += len(mails)
        for mail in mails:
            found = re.search(r"(https?://\S+/activate/\S+)", mail["text"])
            if found:
                for address in mail["to"]:
                    self.links.setdefault(address.lower(), found.group(1))

    async def link_for(self, address: str, timeout: float) -> str | None:
        """The activation link mailed to ``address``, once the poller has read it (None: none came)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if address.lower() in self.links:
                return self.links[address.lower()]
            await asyncio.sleep(1.0)
        return None

    async def run(self, stop: asyncio.Event) -> None:
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                try:
                    await self.poll(session)
                except aiohttp.ClientError as exc:
                    print(f"mail catcher: {exc}", file=sys.stderr)
                await asyncio.sleep(1.0)
            await self.poll(session)
