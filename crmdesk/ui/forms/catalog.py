"""Products and services."""

from __future__ import annotations

from crmdesk.services import records, rights
from crmdesk.ui.forms import opener, register
from crmdesk.ui.generic.base import Entity
from crmdesk.ui.generic.fields import Field
from crmdesk.ui.generic.objectform import ObjectForm

KINDS = {"goods": "Товар", "service": "Услуга"}
FIELDS = ("name", "article", "kind", "unit", "price", "cost_price", "vat_rate", "description")


class ProductForm(ObjectForm):
    entity_name = "product"
    title_new = "Номенклатура (создание)"
    history_type = "product"
    lists_changed = ("products",)
    fields = [
        Field("name", "Наименование", required=True),
        Field("article", "Артикул"),
        Field("kind", "Вид", "choice", choices=KINDS),
        Field("unit", "Ед. изм."),
        Field("price", "Цена", "money"),
        Field("cost_price", "Себестоимость", "money"),
        Field("vat_rate", "Ставка НДС", "choice"),  # from the allowed rates: __init__
        Field("description", "Описание", "multiline"),
    ]
    rows = [
        ["name"],
        ["article", "kind"],
        ["unit", "vat_rate"],
        ["price", "cost_price"],
        ["description"],
    ]

    def __init__(self, shell, obj_id=None, initial=None, parent=None):
        from dataclasses import replace

        from crmdesk.ui.generic.productcell import rate_text, vat_rates

        rates = {rate: rate_text(rate) for rate in vat_rates(shell.app)}
        self.fields = [replace(f, choices=rates) if f.key == "vat_rate" else f
                       for f in type(self).fields]
        super().__init__(shell, obj_id, initial, parent)

    def defaults(self, ctx):
        from crmdesk.services.documents import _org

        return {"kind": "goods", "unit": "шт", "vat_rate": _org(ctx).vat_rate}

    def load(self, ctx, obj_id):
        p = records.get(ctx, "product", obj_id)
        return records.values(p, FIELDS), p.version, p.name

    def store(self, ctx, obj_id, v, version):
        return records.save(ctx, "product", obj_id, v, version).id


def _copy(ctx, obj_id):
    p = records.get(ctx, "product", obj_id)
    values = records.values(p, FIELDS)
    values["name"] += " (копия)"
    values["article"] = None
    return values


register(
    Entity(
        "product",
        "products",
        "product",
        opener(ProductForm),
        mark=lambda ctx, i, f: records.set_deletion_mark(ctx, "product", i, f),
        copy=_copy,
        create_permission=rights.CATALOG,
    )
)
