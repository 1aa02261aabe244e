"""The 1 September morning: families register and activate while other parents browse.

    .venv/bin/python bench/september_morning.py                       # 2,000 families, 500 parents, 10 min
    .venv/bin/python bench/september_morning.py --families 100 --browsers 25 --minutes 2   # quick

Brings up the ``deploy/`` layout (nginx, two processes of each service, PostgreSQL,
Redis) with a demo school large enough for ``--families`` + ``--browsers`` parent
logins. Then, within ``--minutes``: ``--families`` parents arrive spread over the
first two thirds of the window, each registering a unified account at the IdP with the
school login from the welcome letter, opening the activation link from the mail (read
from the layout's mail catcher), activating, and signing in to the register through the
IdP; meanwhile ``--browsers`` parents sign in with their school logins and read the
family pages with ``--think`` seconds between pages. Each browser has its own
loopback address (throttles are not switched off).

Prints: families activated and signed in within the window, mails delivered, every
status (no 5xx expected), p50/p99 per page, and the load average. Exit 1 on any 5xx
or any family left without a mail.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402

from bench import loadclient as lc  # noqa: E402


async def family(number: int, person: dict, info: dict, mailbox: lc.Mailbox, stats: lc.Stats,
                 start_at: float, deadline: float, done: dict) -> None:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    browser = lc.Browser(number, stats)
    email = f"rodzic{number}.{person['login']}@example.org".lower()
    try:
        if not await lc.register(browser, info["idp_url"], email, person["login"], person["password"]):
            done["register_refused"] += 1
            return
        link = await mailbox.link_for(email, timeout=max(5.0, deadline - time.monotonic()))
        if link is None:
            done["no_mail"] += 1
            return
        if not await lc.activate(browser, link):
            done["activation_failed"] += 1
            return
        if not await lc.sso_sign_in(browser, info["gradebook_url"], info["idp_url"], email):
            done["sso_failed"] += 1
            return
        await browser.get(info["gradebook_url"] + "/family/", "family GET /family/")
        done["signed_in_in_time" if time.monotonic() <= deadline else "signed_in_late"] += 1
    except (TimeoutError, aiohttp.ClientError) as exc:
        done[f"client error {type(exc).__name__}"] += 1
    finally:
        await browser.close()


async def run(args, info: dict) -> tuple[lc.Stats, dict, lc.Mailbox, float]:
    parents = info["parents"]
    stats, done = lc.Stats(), __import__("collections").Counter()
    mailbox, stop = lc.Mailbox(info["mail_url"]), asyncio.Event()
    poller = asyncio.create_task(mailbox.run(stop))
    began = time.monotonic()
    window = args.minutes * 60
    deadline = began + window
    arrivals = window * 2 / 3
    tasks = [family(i, parents[i], info, mailbox, stats, began + arrivals * i / args.families,
                    deadline, done) for i in range(args.families)]
    tasks += [lc.parent_reading(args.families + i, parents[args.families + i], info["gradebook_url"],
                                stats, deadline, args.think, done) for i in range(args.browsers)]
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - began
    stop.set()
    await poller
    return stats, done, mailbox, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--browsers", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--think", type=float, default=5.0, help="seconds a reader spends on a page")
    parser.add_argument("--reuse", action="store_true",
                        help="use the running layout (its parents must not have registered yet)")
    args = parser.parse_args()
    command = "bench/september_morning.py " + " ".join(sys.argv[1:])
    info = lc.layout(lc.seed_for(args.families + args.browsers), args.families + args.browsers,
                     restart=not args.reuse)
    print(lc.header(f"1 September morning: {args.families} families register while "
                    f"{args.browsers} parents browse", command), flush=True)
    cpu_began = time.process_time()
    stats, done, mailbox, elapsed = asyncio.run(run(args, info))
    print(f"window {args.minutes:g} min, finished after {elapsed:.0f} s; load average after {lc.load()}")
    print(lc.client_cpu(cpu_began, elapsed, stats) + "\n")
    for key, value in sorted(done.items()):
        print(f"* {key}: {value}")
    print(f"* mails in the catcher: {mailbox.received} (activation links for {len(mailbox.links)} addresses)")
    print(f"* statuses: {dict(sorted(stats.statuses.items()))}\n")
    print(stats.table())
    lc.verdict(info, stats, [f"{done['no_mail']} families without a mail"] if done["no_mail"] else [])


if __name__ == "__main__":
    main()
