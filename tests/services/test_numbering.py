"""Numbers under concurrent writers: never the same number twice."""

import threading

from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.services.documents import create_document, post

WRITERS, EACH = 6, 8


def test_concurrent_writers_never_get_the_same_number(uow, team):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "Параллельный"}).id
    numbers, errors = [], []
    start = threading.Barrier(WRITERS)

    def writer():
        try:
            start.wait()
            for _ in range(EACH):
                with unit_of_work(team, "ivanov") as ctx:
                    doc = create_document(
                        ctx,
                        "invoice",
                        cid,
                        {"lines": [{"description": "x", "quantity": 1, "price": 1}]},
                    )
                    post(ctx, doc.id)
                    numbers.append(doc.number)
        except Exception as exc:  # reported below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == WRITERS * EACH == len(set(numbers))
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, WRITERS * EACH + 1))
