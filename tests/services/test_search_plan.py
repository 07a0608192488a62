"""The client list's quick search chooses its plan by the estimated matches (issue 17):
walking the name index or finding the matches and sorting them must give the same rows in
the same order, page after page, whatever the text — on both databases. The bound a walk
starts from (``search_first_keys``) stays true as clients are written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crmdesk.models import Client, ClientPhone
from crmdesk.services import lists
from crmdesk.services import search as searching
from crmdesk.services.clients import create_client, update_client
from crmdesk.services.demo import generate
from crmdesk.services.search_upkeep import refresh_first_keys

CLIENTS = 400
TEXTS = ["ооо", "ооо р", "ао", "ип", "а", "рома", "ива", "ова", "ооо «а", "нет такого"]


@pytest.fixture
def base(team):
    generate(team, clients=CLIENTS, seed=3)
    searching.forget_samples()
    return team


def plan(monkeypatch, how: str) -> None:
    """Make the client list take one plan whatever the estimate says."""
    searching.forget_samples()
    if how == "walk":
        monkeypatch.setattr(lists, "WALK_COST", 0.0)
        monkeypatch.setattr(lists, "FIND_COST", 1.0)
    elif how == "find":
        monkeypatch.setattr(lists, "WALK_COST", 1e12)
    else:  # the planners' own plan, as before the estimate
        monkeypatch.setattr(lists, "_client_plan", lambda *a, **k: ...)


def pages(uow, text: str, desc=False, login=None, size=60) -> list[int]:
    state = lists.ListState(search=text, sort_key="name", descending=desc)
    with uow(login) as ctx:
        total = lists.count(ctx, lists.CLIENTS, state)
        ids = []
        for offset in range(0, total, size):  # the later pages are read from the end
            ids += [r.id for r in lists.fetch(ctx, lists.CLIENTS, state, offset, size, total)]
    return ids


def expected(uow, text: str, desc=False) -> list[int]:
    test = searching.matcher(text)
    with uow() as ctx:
        rows = ctx.session.execute(select(Client.id, Client.search_name, Client.search_text))
        found = sorted((n, i) for i, n, t in rows if test(n, t))
    ids = [i for _, i in found]
    return ids[::-1] if desc else ids


def phone_fragment(uow) -> str:
    with uow() as ctx:
        return ctx.session.scalar(select(ClientPhone.e164).limit(1))[-7:-3]


@pytest.mark.parametrize("how", ["walk", "find", "own"])
def test_each_plan_lists_the_same_rows_in_the_same_order(uow, base, monkeypatch, how):
    plan(monkeypatch, how)
    for text in [*TEXTS, phone_fragment(uow)]:
        for desc in (False, True):
            want = expected(uow, text, desc)
            assert pages(uow, text, desc) == want, (text, desc)
    # a manager sees own clients only, in whichever plan
    with uow("ivanov") as ctx:
        mine = set(ctx.session.scalars(select(Client.id).where(Client.owner_id == ctx.user.id)))
    assert pages(uow, "ооо", login="ivanov") == [i for i in expected(uow, "ооо") if i in mine]


def test_the_estimate_of_a_small_base_is_its_exact_count(uow, base):
    with uow() as ctx:
        for text in TEXTS:
            state = lists.ListState(search=text)
            est = searching.estimate(ctx.session, text)
            assert est.matches == lists.count(ctx, lists.CLIENTS, state), text
        assert searching.estimate(ctx.session, "  ") is None


def test_a_walk_starts_at_the_first_name_a_match_may_have(uow, base, monkeypatch):
    assert refresh_first_keys(base) > 0
    texts = ["ооо", "ооо р", "рома", "ова", "иванов"]
    firsts = {t: expected(uow, t)[0] for t in texts}
    with uow() as ctx:
        for text in texts:
            first = ctx.session.scalar(select(Client.search_name).where(Client.id == firsts[text]))
            bound = searching.first_key(ctx.session, text)
            assert bound and bound <= first, text
        assert searching.first_key(ctx.session, "ао") == "ао"  # a prefix: its own range
        assert searching.first_key(ctx.session, "9123") == ""
    # clients written after the pass lower the bound: a walk still meets them first
    plan(monkeypatch, "walk")
    with uow() as ctx:
        new = create_client(ctx, {"name": "Аааа ооо Ромашкин"}).id
    assert pages(uow, "ооо")[0] == new
    assert pages(uow, "ооо р")[0] == new
    with uow() as ctx:
        old = ctx.session.scalar(
            select(Client.id).where(Client.search_name.like("ооо%")).order_by(Client.id.desc())
        )
        update_client(ctx, old, {"name": "Аааа рома"})
    assert pages(uow, "рома")[:2] == [new, old]  # «аааа ооо ромашкин», «аааа рома»
    assert pages(uow, "рома") == expected(uow, "рома")


def test_a_capped_count_of_a_dense_search(uow, base, monkeypatch):
    plan(monkeypatch, "walk")
    with uow() as ctx:
        state = lists.ListState(search="ооо")
        exact = lists.count(ctx, lists.CLIENTS, state)
        assert lists.count(ctx, lists.CLIENTS, state, cap=20) == 21
        assert lists.count(ctx, lists.CLIENTS, state, cap=exact + 5) == exact
    # surely more than the cap: the whole list does not count at all …
    monkeypatch.setattr(lists, "SURE_MANY", 10)
    monkeypatch.setattr(lists, "SURE_HITS", 1)
    seen = []
    real = lists._walking
    monkeypatch.setattr(lists, "_walking", lambda *a: seen.append(a) or real(*a))
    with uow() as ctx:
        assert lists.count(ctx, lists.CLIENTS, lists.ListState(search="ооо"), cap=20) == 21
        assert not seen
        # … but a narrowed one does, and a small result is exact
        narrowed = lists.ListState(search="ооо", filters=[lists.Filter("inn", "empty")])
        assert lists.count(ctx, lists.CLIENTS, narrowed, cap=20) == min(
            21, lists.count(ctx, lists.CLIENTS, narrowed)
        )
    with uow("ivanov") as ctx:
        mine = lists.count(ctx, lists.CLIENTS, lists.ListState(search="рома"))
        assert lists.count(ctx, lists.CLIENTS, lists.ListState(search="рома"), cap=500) == mine


def test_a_managers_estimate_counts_the_managers_clients(uow, base):
    with uow("ivanov") as ctx:
        me = ctx.user.id
        for text in ["ооо", "рома", "ова"]:
            mine = lists.count(ctx, lists.CLIENTS, lists.ListState(search=text))
            est = searching.estimate(ctx.session, text, owner=me)
            assert est.matches == mine, text
            assert est.to_find == searching.estimate(ctx.session, text).matches


def test_the_upgrade_fills_the_bounds_of_a_base_with_clients(uow, base):
    from alembic import command
    from sqlalchemy import text

    from crmdesk.db import alembic_config

    command.downgrade(alembic_config(base), "0015")
    command.upgrade(alembic_config(base), "head")
    want = expected(uow, "ооо р")[0]
    with uow() as ctx:
        listed = ctx.session.scalar(text("SELECT count(*) FROM search_first_keys"))
        assert listed > 0
        first = ctx.session.scalar(select(Client.search_name).where(Client.id == want))
        assert "" < searching.first_key(ctx.session, "ооо р") <= first
