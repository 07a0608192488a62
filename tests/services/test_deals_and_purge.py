import pytest

from crmdesk.services.clients import create_client, set_deletion_mark
from crmdesk.services.deals import create_deal, move_deal
from crmdesk.services.documents import create_document
from crmdesk.services.documents import set_deletion_mark as mark_doc
from crmdesk.services.errors import TransitionError, ValidationError
from crmdesk.services.purge import purge_marked


def test_deal_moves_only_along_allowed_edges_and_keeps_history(uow):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "Сделочный"}).id
        deal = create_deal(ctx, cid, "Поставка насосов", 1000)
        assert deal.stage.code == "new"
        with pytest.raises(TransitionError, match="допустимо: «Выбор», «Отказ»"):
            move_deal(ctx, deal.id, "paid")
        for code in (
            "choice",
            "invoicing",
            "paid",
            "awaiting_docs",
            "client",
            "contract",
            "invoicing",
        ):
            move_deal(ctx, deal.id, code)
        assert [h.to_stage_id for h in deal.history][-1] == deal.stage_id
        assert len(deal.history) == 8 and all(h.user_id == ctx.user.id for h in deal.history)


def test_refusal_only_from_early_stages_and_needs_a_reason(uow):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "Отказник"}).id
        deal = create_deal(ctx, cid, "Сделка", 0)
        with pytest.raises(ValidationError, match="Причина отказа"):
            move_deal(ctx, deal.id, "refusal")
        move_deal(ctx, deal.id, "refusal", reason="дорого")
        assert deal.refusal_reason == "дорого"
        late = create_deal(ctx, cid, "Поздняя", 0)
        for code in ("choice", "invoicing", "paid"):
            move_deal(ctx, late.id, code)
        with pytest.raises(TransitionError):
            move_deal(ctx, late.id, "refusal", reason="передумали")


def test_purge_deletes_unreferenced_marked_objects_and_says_what_holds_the_rest(uow):
    with uow("ivanov") as ctx:
        used = create_client(ctx, {"name": "Занятый"}).id
        free = create_client(ctx, {"name": "Свободный"}).id
        doc = create_document(ctx, "order", used, {"lines": [{"description": "x", "price": 1}]}).id
        set_deletion_mark(ctx, used)
        set_deletion_mark(ctx, free)
    with uow() as ctx:
        result = purge_marked(ctx)
        assert result.deleted == ["Клиент «Свободный»"]
        assert result.refused == ["Клиент «Занятый»: используется — документ (1)"]
    with uow("ivanov") as ctx:
        mark_doc(ctx, doc)
    with uow() as ctx:
        result = purge_marked(ctx)
        assert len(result.deleted) == 2 and result.refused == []
