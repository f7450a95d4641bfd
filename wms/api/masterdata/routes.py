"""CRUD endpoints of master data, one resource per kind, all with the same shape."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema

from wms.api.base import Blueprint
from wms.api.idempotency import idempotent
from wms.api.masterdata import schemas as s
from wms.api.schemas import one_page
from wms.api.security import current_user
from wms.models import Customer, Item, Location, Owner, Supplier, Warehouse
from wms.services import masterdata

blp = Blueprint("masterdata", __name__, url_prefix="/api/v1",
                description="Items, locations, suppliers, customers, owners, warehouses")


def register_resource(path: str, model: type, schema: type[Schema], list_args: type[Schema]) -> None:
    """Add ``GET/POST path`` and ``GET/PATCH path/<id>`` for one kind of master data."""
    label = model.__tablename__
    # A named subclass keeps the partial schema apart from the full one in OpenAPI.
    patch_schema = type(schema.__name__.replace("Schema", "PatchSchema"), (schema,), {})

    class Collection(MethodView):
        @blp.arguments(list_args, location="query")
        @blp.response(200, schema(many=True))
        @blp.paginate()
        def get(self, args, pagination_parameters):
            return one_page(pagination_parameters, masterdata.list_records, model, args)

        @idempotent
        @blp.arguments(schema)
        @blp.response(201, schema)
        def post(self, data):
            return masterdata.create_record(current_user(), model, data)

    class Record(MethodView):
        @blp.response(200, schema)
        def get(self, record_id):
            return masterdata.read_record(current_user(), model, record_id)

        @idempotent
        @blp.arguments(patch_schema(partial=True))
        @blp.response(200, schema)
        def patch(self, changes, record_id):
            return masterdata.update_record(current_user(), model, record_id, changes)

    Collection.get.__doc__ = f"List {label} records, paged and filtered."
    Collection.post.__doc__ = f"Create a {label}."
    Record.get.__doc__ = f"One {label}."
    Record.patch.__doc__ = f"Change fields of a {label}."
    name = "".join(part.title() for part in label.split("_"))
    Collection.__name__, Record.__name__ = f"{name}s", name
    blp.route(path, endpoint=f"{name}s")(Collection)
    blp.route(f"{path}/<int:record_id>", endpoint=name)(Record)


register_resource("/items", Item, s.ItemSchema, s.ActiveListArgsSchema)
register_resource("/locations", Location, s.LocationSchema, s.LocationListArgsSchema)
register_resource("/suppliers", Supplier, s.SupplierSchema, s.ActiveListArgsSchema)
register_resource("/customers", Customer, s.CustomerSchema, s.ActiveListArgsSchema)
register_resource("/owners", Owner, s.OwnerSchema, s.ListArgsSchema)
register_resource("/warehouses", Warehouse, s.WarehouseSchema, s.ListArgsSchema)


@blp.route("/items/by-code/<string:code>")
class ItemByCode(MethodView):
    @blp.response(200, s.ItemSchema)
    def get(self, code):
        """The item a scanned barcode, GTIN or SKU names (for the PDA)."""
        return masterdata.find_item_by_code(current_user(), code)
