"""8:00 peak: sign-ins in one minute, school logins and the unified account (SSO).

    .venv/bin/python bench/peak_signins.py                           # 1,000 sign-ins in 60 s, 30 % SSO
    .venv/bin/python bench/peak_signins.py --signins 200 --sso-share 0.3   # quick

First, on one core of this process, how many argon2id hashes per second the layout's
parameters (``ARGON2_*`` of the layout's env file) allow — the budget the sign-ins
spend. Then brings up the ``deploy/`` layout, registers and activates the SSO families
(untimed), and starts ``--signins`` sign-ins spread evenly over ``--seconds``: a
school sign-in is the login page and its post (the register verifies the password);
an SSO sign-in is the register's button, the IdP's sign-in form (the IdP verifies the
password) and the code flow back to the register. Each browser has its own loopback
address; no throttle is switched off.

Prints hashes/s per core, sign-ins completed within the minute, p50/p99 of a whole
sign-in by kind, statuses and the load average. Exit 1 on any 5xx or failed sign-in.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402

from bench import loadclient as lc  # noqa: E402


def hashes_per_second(env: dict, seconds: float = 3.0) -> tuple[float, str]:
    """argon2id hashes per second on one core with the layout's parameters."""
    from argon2 import PasswordHasher

    params = {"time_cost": int(env.get("ARGON2_TIME_COST", 2)),
              "memory_cost": int(env.get("ARGON2_MEMORY_COST", 19456)),
              "parallelism": int(env.get("ARGON2_PARALLELISM", 1))}
    hasher = PasswordHasher(**params)
    stored = hasher.hash("Rodzic-2026-haslo")
    count, began = 0, time.process_time()
    while time.process_time() - began < seconds:
        hasher.verify(stored, "Rodzic-2026-haslo")
        count += 1
    return count / (time.process_time() - began), ", ".join(f"{k}={v}" for k, v in params.items())


async def prepare_sso(info: dict, parents: list[dict], stats: lc.Stats) -> list[str]:
    """Register and activate one unified account per parent (not part of the timed minute)."""
    mailbox, stop = lc.Mailbox(info["mail_url"]), asyncio.Event()
    poller = asyncio.create_task(mailbox.run(stop))
    emails, gate = [], asyncio.Semaphore(8)

    async def one(number: int, person: dict) -> None:
        email = f"peak{number}.{person['login']}@example.org".lower()
        async with gate:
            browser = lc.Browser(number, stats)
            try:
                if not await lc.register(browser, info["idp_url"], email, person["login"],
                                         person["password"]):
                    return
                link = await mailbox.link_for(email, timeout=120)
                if link and await lc.activate(browser, link):
                    emails.append(email)
            finally:
                await browser.close()

    await asyncio.gather(*(one(i, p) for i, p in enumerate(parents)))
    stop.set()
    await poller
    return emails


async def timed_minute(info: dict, school: list[dict], sso: list[str], signins: int, seconds: float,
                       stats: lc.Stats) -> tuple[dict, dict]:
    journeys: dict[str, list[float]] = collections.defaultdict(list)
    done: collections.Counter = collections.Counter()
    began = time.monotonic()
    kinds = ["sso" if sso and (i * len(sso)) // signins != ((i + 1) * len(sso)) // signins else "school"
             for i in range(signins)]

    async def one(i: int, kind: str) -> None:
        await asyncio.sleep(max(0.0, began + seconds * i / signins - time.monotonic()))
        browser = lc.Browser(5000 + i, stats)
        started = time.monotonic()
        try:
            if kind == "sso":
                ok = await lc.sso_sign_in(browser, info["gradebook_url"], info["idp_url"], sso[i % len(sso)])
            else:
                person = school[i % len(school)]
                ok = await lc.school_sign_in(browser, info["gradebook_url"], person["login"],
                                             person["password"])
        except (TimeoutError, aiohttp.ClientError) as exc:
            ok = False
            done[f"client error {type(exc).__name__}"] += 1
        finally:
            await browser.close()
        ended = time.monotonic()
        journeys[kind].append(ended - started)
        done[f"{kind} {'ok' if ok else 'FAILED'}"] += 1
        if ok and ended - began <= seconds:
            done["completed within the window"] += 1

    await asyncio.gather(*(one(i, kind) for i, kind in enumerate(kinds)))
    done["last finished after s"] = round(time.monotonic() - began)
    return journeys, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signins", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--sso-share", type=float, default=0.3)
    parser.add_argument("--reuse", action="store_true", help="use the running layout")
    args = parser.parse_args()
    command = "bench/peak_signins.py " + " ".join(sys.argv[1:])
    info = lc.layout(lc.seed_for(min(args.signins, 1000)),
                     min(args.signins, 1000), restart=not args.reuse)
    env = lc.layout_env(info)
    print(lc.header(f"8:00 peak: {args.signins} sign-ins in {args.seconds:g} s "
                    f"({args.sso_share:.0%} SSO)", command), flush=True)
    rate, params = hashes_per_second(env)
    print(f"argon2id ({params}): {rate:.1f} verifies/s per core on this machine "
          f"({os.cpu_count()} cores: {rate * os.cpu_count():.0f}/s at most; the minute needs "
          f"{args.signins / args.seconds:.1f}/s)\n", flush=True)

    parents = info["parents"]
    sso_count = max(1, int(args.signins * args.sso_share)) if args.sso_share else 0
    sso_count = min(sso_count, 300, len(parents) // 2)
    setup_stats = lc.Stats()
    sso = asyncio.run(prepare_sso(info, parents[:sso_count], setup_stats)) if sso_count else []
    print(f"prepared {len(sso)} unified accounts (setup statuses {dict(setup_stats.statuses)}); "
          f"load average {lc.load()}\n", flush=True)
    if setup_stats.server_errors:  # not the measured minute, but a 5xx is a finding: say why
        print(lc.tracebacks(info), flush=True)
    stats = lc.Stats()
    cpu_began, began = time.process_time(), time.monotonic()
    journeys, done = asyncio.run(timed_minute(info, parents[sso_count:], sso, args.signins,
                                              args.seconds, stats))
    print(f"load average after {lc.load()}")
    print(lc.client_cpu(cpu_began, time.monotonic() - began, stats) + "\n")
    for key, value in sorted(done.items()):
        print(f"* {key}: {value}")
    print(f"* statuses: {dict(sorted(stats.statuses.items()))}\n")
    whole = lc.Stats()
    for kind, values in journeys.items():
        for value in values:
            whole.record(f"whole {kind} sign-in", 200, value)
    print(whole.table() + "\n\n" + stats.table())
    failed = sum(v for k, v in done.items() if "FAILED" in k or "client error" in k)
    lc.verdict(info, stats, [problem for problem, found in (
        (f"{failed} failed sign-ins", failed),
        (f"{setup_stats.server_errors} server errors while preparing {setup_stats.failures[:5]}",
         setup_stats.server_errors)) if found])


if __name__ == "__main__":
    main()
