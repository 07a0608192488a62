"""The client list's quick search through the real main window, in each plan the estimate
may choose (issue 17): the rows on screen are the matches in name order, the status line
says «более N» at once for a dense text and the exact number when it has been counted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crmdesk.models import Client
from crmdesk.services import lists
from crmdesk.services import search as searching
from crmdesk.services.context import unit_of_work
from crmdesk.services.demo import generate
from crmdesk.services.search_upkeep import refresh_first_keys

CLIENTS = 450


@pytest.mark.parametrize("how", ["walk", "find"])
def test_typing_a_dense_text_shows_the_matches_in_name_order(
    engine, make_shell, qtbot, monkeypatch, type_text, how, tmp_path
):
    import crmdesk.ui.generic.listmodel as listmodel

    generate(engine, clients=CLIENTS, seed=11)
    assert refresh_first_keys(engine) > 0
    searching.forget_samples()
    if how == "walk":
        monkeypatch.setattr(lists, "WALK_COST", 0.0)
        # the sample says «surely more than the cap» for a fifth of this base
        monkeypatch.setattr(lists, "SURE_MANY", CLIENTS // 5)
        monkeypatch.setattr(lists, "SURE_HITS", 1)
    else:
        monkeypatch.setattr(lists, "WALK_COST", 1e12)
    monkeypatch.setattr(listmodel, "COUNT_CAP", 40)
    with unit_of_work(engine) as ctx:
        by_id = dict(ctx.session.execute(select(Client.id, Client.search_text)).all())
        rows = ctx.session.execute(select(Client.search_name, Client.id, Client.name)).all()
    shell = make_shell(engine)
    form = shell.open_list("clients")
    form.search.setFocus()
    for text in ("ооо р", "ооо", "рома"):
        form.search.clear()
        type_text(form.search, text)
        qtbot.waitUntil(lambda t=text: form.model.state.search == t, timeout=3000)
        test = searching.matcher(text)
        want = [name for key, i, name in sorted(rows) if test(key, by_id[i])]
        if len(want) <= 40:  # a text of few matches is counted exactly at once
            assert form.model.exact and form.model.rowCount() == len(want)
        shown = [form.model.data(form.model.index(r, 0)) for r in range(min(40, len(want)))]
        assert shown == want[:40]
        qtbot.waitUntil(lambda n=len(want): form.model.exact and form.model.rowCount() == n,
                        timeout=10_000)
        assert f"Записей: {len(want)}" in form.status.text()
        last = [form.model.data(form.model.index(r, 0)) for r in range(len(want))]
        assert last == want
    form.grab().save(str(tmp_path / f"search-{how}.png"))
