"""Foundation figures at scale: demo generation rate, caller-ID and search latency.

    python benchmarks/foundation.py --clients 1000000 --db sqlite:////tmp/bench/crm1m.sqlite
    python benchmarks/foundation.py --clients 1000000 \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/bench1m

(docs/benchmarks.md: how to run it and ``benchmarks/ui.py``, and the figures measured.)

The database must be empty (or already filled by a previous run: then pass --reuse and
only the queries run). Every figure is printed as one line; latencies are measured over
--queries random queries after a warm-up, as median and 95th percentile, each query in a
fresh session (as a form would do), through the same service functions the UI calls.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time

import sqlalchemy
from sqlalchemy import func, select, text

from crmdesk.db import describe, open_database, session_factory
from crmdesk.models import Client, ClientEmail, ClientPhone
from crmdesk.services import search
from crmdesk.services.setup import initialize
from crmdesk.services.users import find_user

LEGAL_FORMS = ("ооо ", "ао ", "ип ")

# A realistic vocabulary (``--vocabulary wide``, the default): demo.py's 15 surnames, 8+8 first
# names and 26 company roots make every name fragment match a large part of the base, which
# no office has. The wide one keeps all the old words (so the old worst texts, «рома»,
# «ооо р», still mean what they meant) and adds thousands of surnames and company names built
# from syllables, about a hundred first names and patronymics each, and more tails.
_ONSETS = "б в г д ж з к л м н п р с т ф х ц ч ш бр вл гр др кр пр ст тр шм зл сл".split()
_VOWELS = "а о у е и ы я ю".split()
_CODAS = ["", "", "", "н", "р", "л", "к", "с", "т", "м"]
_ENDINGS = [("ов", "ова"), ("ев", "ева"), ("ин", "ина"), ("ский", "ская"), ("ных", "ных")]
MALE_WIDE = """Александр Алексей Анатолий Андрей Антон Аркадий Арсений Артём Артур Богдан Борис
Вадим Валентин Валерий Василий Виктор Виталий Владимир Владислав Всеволод Вячеслав Геннадий
Георгий Герман Глеб Григорий Давид Даниил Денис Дмитрий Евгений Егор Захар Иван Игнат Игорь
Илья Кирилл Константин Лев Леонид Макар Максим Марк Матвей Михаил Никита Николай Олег Павел
Пётр Платон Роман Руслан Семён Сергей Станислав Степан Тимофей Тимур Фёдор Филипп Юрий Ярослав
""".split()
FEMALE_WIDE = """Алёна Александра Алина Алиса Алла Анастасия Ангелина Анна Антонина Валентина
Валерия Вера Вероника Виктория Галина Дарья Диана Евгения Екатерина Елена Елизавета Жанна
Зинаида Зоя Инна Ирина Карина Кира Кристина Ксения Лариса Лидия Любовь Людмила Маргарита
Марина Мария Милана Надежда Наталья Нина Оксана Ольга Полина Раиса Регина Светлана София
Таисия Тамара Татьяна Ульяна Эльвира Юлия Яна""".split()
_TAILS_MORE = ["Строй", "Тех", "Лайн", "Центр", "Холдинг", "Торг", "Систем", "Ресурс", "Проект"]


def _syllables(rnd: random.Random, count: int) -> str:
    """``count`` open syllables and a closing consonant now and then: «Бролан», «Кутеми»."""
    word = "".join(rnd.choice(_ONSETS) + rnd.choice(_VOWELS) for _ in range(count))
    return word + rnd.choice(_CODAS)


def widen_vocabulary(surnames: int = 4000, roots: int = 3000, seed: int = 17) -> dict:
    """Replace demo.py's word lists (module globals, read at generation time) by wide ones."""
    from crmdesk.services import demo

    rnd = random.Random(seed)
    family = {m for m, _ in demo.SURNAMES}
    words = list(demo.SURNAMES)
    while len(words) < surnames:
        stem = _syllables(rnd, rnd.choice((2, 2, 3))).capitalize()
        male, female = rnd.choice(_ENDINGS)
        if stem + male not in family:
            family.add(stem + male)
            words.append((stem + male, stem + female))
    names = set(demo.ROOTS)
    more = list(demo.ROOTS)
    while len(more) < roots:
        word = _syllables(rnd, rnd.choice((2, 3))).capitalize()
        if word not in names:
            names.add(word)
            more.append(word)
    demo.SURNAMES = words
    demo.MALE = sorted(set(demo.MALE) | set(MALE_WIDE))
    demo.FEMALE = sorted(set(demo.FEMALE) | set(FEMALE_WIDE))
    patronymic = {"й": ("евич", "евна"), "а": ("ич", "ична")}
    pats = list(demo.PATRONYMICS)
    for m in MALE_WIDE[::2]:
        male, female = patronymic.get(m[-1], ("ович", "овна"))
        stem = m[:-1] if m[-1] in "йа" else m
        pats.append((stem + male, stem + female))
    demo.PATRONYMICS = pats
    demo.ROOTS = more
    demo.TAILS = list(demo.TAILS) + _TAILS_MORE
    return {
        "surnames": len(words),
        "first names": len(demo.MALE) + len(demo.FEMALE),
        "patronymics": len(pats),
        "company roots": len(more),
        "tails": len(demo.TAILS),
    }


def say(line: str) -> None:
    print(line, flush=True)


def measure(factory, fn, queries: list[str], warmup: int = 5) -> tuple[float, float, float]:
    """(median ms, p95 ms, mean number of rows found) of ``fn(session, query)``."""
    for q in queries[:warmup]:
        with factory() as s:
            fn(s, q)
    times, found = [], []
    for q in queries:
        with factory() as s:
            t = time.perf_counter()
            rows = fn(s, q)
            times.append((time.perf_counter() - t) * 1000)
            found.append(len(rows))
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, statistics.mean(found)


def report(label: str, figures: tuple[float, float, float], examples: list[str]) -> None:
    med, p95, found = figures
    sample = ", ".join(f"«{q}»" for q in examples[:3])
    say(f"{label}: median {med:.2f} ms, p95 {p95:.2f} ms, {found:.1f} found on average ({sample})")


OLD_WORST = ["ооо ром", "ромашка", "ип", "ао", "иванов", "9123"]
COUNT_CAP = 5_000  # as the list model (crmdesk/ui/generic/listmodel.py)


def keystrokes(engine, user, people, companies, repeat: int) -> None:
    """The client list's quick search, a keystroke at a time, as the list model does it:
    the count capped at COUNT_CAP, then the first page (100 rows) in name order. Each text is
    typed ``repeat`` times after one uncounted pass; wall and CPU time of this process."""
    from crmdesk.services import lists
    from crmdesk.services.context import unit_of_work

    words = [nm.split()[0] for nm in people[:3]] + [
        nm.split("«")[-1].rstrip("»")[:6] for nm in companies[:3] if "«" in nm
    ]
    texts = OLD_WORST + [w.lower() for w in words]
    every, cpu_all = [], []
    for typed in texts:
        walls, cpus, shown = [], [], {}
        for n in range(repeat + 1):
            for i in range(1, len(typed) + 1):
                state = lists.ListState(search=typed[:i])
                # as the list model: a read-only unit of work per keystroke
                t, c = time.perf_counter(), time.process_time()
                with unit_of_work(engine, user.login, read_only=True) as ctx:
                    total = lists.count(ctx, lists.CLIENTS, state, cap=COUNT_CAP)
                    exact = total <= COUNT_CAP
                    lists.fetch(ctx, lists.CLIENTS, state, 0, 100, total, exact)
                wall, used = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
                if n:
                    walls.append(wall)
                    cpus.append(used)
                    shown.setdefault(typed[:i], []).append(wall)
                    shown[typed[:i]].append(total)
        every += walls
        cpu_all += cpus
        cells = ", ".join(
            f"«{k}» {statistics.median(v[0::2]):.0f}"
            + (f"/{v[1]:,}" if v[1] <= COUNT_CAP else f"/>{COUNT_CAP:,}")
            for k, v in shown.items()
        )
        say(
            f"  list keystroke, typing «{typed}»: first {walls[0]:.1f}, median "
            f"{statistics.median(walls):.1f}, max {max(walls):.1f} ms (CPU median "
            f"{statistics.median(cpus):.1f} ms); per text ms/rows: {cells}"
        )
    say(
        f"  list keystroke, all texts: median {statistics.median(every):.1f} ms, max "
        f"{max(every):.1f} ms, {sum(t >= 150 for t in every)} of {len(every)} at 150 ms or more"
        f" (CPU median {statistics.median(cpu_all):.1f} ms)"
    )


def database_size(engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            size = os.path.getsize(engine.url.database)
            wal = engine.url.database + "-wal"
            size += os.path.getsize(wal) if os.path.exists(wal) else 0
        else:
            size = conn.scalar(text("SELECT pg_database_size(current_database())"))
    return f"{size / 2**30:.2f} GiB"


def server_version(engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return "SQLite " + conn.scalar(text("SELECT sqlite_version()"))
        return "PostgreSQL " + conn.scalar(text("SHOW server_version")).split()[0]


def generate(engine, clients: int) -> None:
    from crmdesk.services.demo import generate as demo

    t0 = time.perf_counter()
    marks = {max(1, clients // 10) * k for k in range(1, 11)}

    def progress(done: int, total: int) -> None:
        if done in marks or done == total:
            spent = time.perf_counter() - t0
            say(f"  generated {done:,} / {total:,} clients, {spent:.0f} s, {done / spent:,.0f}/s")

    counts = demo(engine, clients=clients, seed=1, progress=progress)
    spent = time.perf_counter() - t0
    rows = sum(counts.values())
    say(
        f"demo generation: {clients:,} clients in {spent:.1f} s ({spent / 60:.1f} min) = "
        f"{clients / spent:,.0f} clients/s, {rows:,} rows in all = {rows / spent:,.0f} rows/s"
    )
    say("  rows: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--clients", type=int, default=1_000_000)
    ap.add_argument("--reuse", action="store_true", help="skip generation if clients exist")
    ap.add_argument("--queries", type=int, default=200, help="queries per figure")
    ap.add_argument("--seed", type=int, default=5, help="seed of the random queries")
    ap.add_argument(
        "--quality",
        type=int,
        default=0,
        metavar="N",
        help="then N probes of search quality (benchmarks/search_quality.py)",
    )
    ap.add_argument("--repeat", type=int, default=3, help="times each text is typed")
    ap.add_argument(
        "--vocabulary",
        choices=("wide", "demo"),
        default="wide",
        help="names to generate: thousands (wide) or demo.py's few (demo)",
    )
    args = ap.parse_args()

    engine = open_database(args.db)
    initialize(engine)
    factory = session_factory(engine)
    say(f"database: {describe(engine)} ({server_version(engine)})")
    say(
        f"python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start"
    )
    with factory() as s:
        have = s.scalar(select(func.count(Client.id)))
    if have and not args.reuse:
        sys.exit(f"the database already has {have:,} clients: use an empty one, or --reuse")
    if not have:
        if args.vocabulary == "wide":
            sizes = widen_vocabulary()
            say("vocabulary: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
        generate(engine, args.clients)
    with factory() as s:
        say(f"clients: {s.scalar(select(func.count(Client.id))):,}, size {database_size(engine)}")
        listed = s.execute(text("SELECT count(*) FROM search_first_keys")).scalar()
    if not listed:  # a new base (or one from before migration 0016): the walks' bounds
        from crmdesk.services.search_upkeep import refresh_first_keys

        t = time.perf_counter()
        listed = refresh_first_keys(engine)
        say(f"first names of {listed} frequent trigrams: {time.perf_counter() - t:.1f} s")

    rnd = random.Random(args.seed)
    with factory() as s:
        admin = find_user(s, "admin")
        manager = find_user(s, "ivanov")  # a manager of the demo data
        top = s.scalar(select(func.max(Client.id)))
        ids = sorted({rnd.randint(1, top) for _ in range(args.queries * 3)})
        sample = s.execute(
            select(Client.id, Client.search_name, Client.inn).where(Client.id.in_(ids))
        ).all()
        phones = list(s.scalars(select(ClientPhone.e164).where(ClientPhone.client_id.in_(ids))))
        emails = list(s.scalars(select(ClientEmail.email).where(ClientEmail.client_id.in_(ids))))
    rnd.shuffle(sample)
    rnd.shuffle(phones)
    rnd.shuffle(emails)
    n = args.queries
    say(f"queries: {n} per figure, as «{admin.login}» (sees every client) unless said")

    def by_phone(user):
        return lambda s, q: search.by_phone(s, user, q)

    def find(user):
        return lambda s, q: search.find_clients(s, user, q)

    # caller ID: the number as the telephone system gives it, and as people type it
    national = [("8" + p[2:]) if p.startswith("+7") else p for p in phones][:n]
    report(
        "caller ID, full number 8XXXXXXXXXX", measure(factory, by_phone(admin), national), national
    )
    plus = phones[:n]
    report("caller ID, full number +7XXXXXXXXXX", measure(factory, by_phone(admin), plus), plus)
    unknown = [f"+7999{rnd.randrange(10**7):07d}" for _ in range(n)]
    report("caller ID, unknown number", measure(factory, by_phone(admin), unknown), unknown)

    # names: the first letters of a name (b-tree prefix), and a word inside it (trigrams)
    people = [nm for _, nm, _ in sample if not nm.startswith(LEGAL_FORMS)]
    prefixes = [nm[:4] for nm in people][:n]
    report("search, name prefix (4 letters)", measure(factory, find(admin), prefixes), prefixes)
    companies = [nm for _, nm, _ in sample if nm.startswith(LEGAL_FORMS)]
    words = [nm.split("«")[-1][:4] for nm in companies if "«" in nm][:n]
    report("search, word inside a name (4 letters)", measure(factory, find(admin), words), words)

    # phones: any fragment of the digits
    for size in (4, 6, 7):
        frags = [p[-3 - size : -3] for p in phones][:n]
        report(
            f"search, phone fragment ({size} digits)",
            measure(factory, find(admin), frags),
            frags,
        )

    inns = [inn for _, _, inn in sample if inn][:n]
    report("search, full INN", measure(factory, find(admin), inns), inns)
    mails = emails[:n]
    report("search, full e-mail", measure(factory, find(admin), mails), mails)

    if manager is not None:
        say(f"as manager «{manager.login}» (sees own clients only):")
        report(
            "  search, name prefix (4 letters)", measure(factory, find(manager), prefixes), prefixes
        )
        frags = [p[-7:-3] for p in phones][:n]
        report("  search, phone fragment (4 digits)", measure(factory, find(manager), frags), frags)
        report("  caller ID, full number", measure(factory, by_phone(manager), national), national)
    keystrokes(engine, admin, people, companies, args.repeat)
    if manager is not None:
        say(f"as manager «{manager.login}»:")
        keystrokes(engine, manager, people, companies, max(1, args.repeat // 2))
    if args.quality:
        from search_quality import make_probes, run

        with factory() as s:
            probes = make_probes(s, random.Random(args.seed), args.quality)
        say(f"search quality: {len(probes)} probes as «{admin.login}»")
        run(factory, admin, probes)
    say(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
