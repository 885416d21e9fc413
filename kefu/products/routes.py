"""Routes of the catalogue: import a file of products, read one product with its variants."""

from __future__ import annotations

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse

from kefu.access import Admin, DbDep, RuntimeDep, Staff
from kefu.audit.actions import record
from kefu.commerce import actions
from kefu.commerce.interface import ProductData
from kefu.errors import KefuError, NotFound
from kefu.products.importer import CatalogueFileError, import_catalogue

router = APIRouter(prefix="/api/v1/products", tags=["products"])
IMPORT_PATH = router.prefix + "/import"  # an upload: its own body limit (kefu/web/app.py)


@router.post("/import")
def import_products(
    principal: Admin, db: DbDep, runtime: RuntimeDep,
    file: UploadFile = File(description="JSON Lines (one product per line), CSV or .xlsx; see docs/products.md"),
    skip_bad: bool = Query(False, description="Import the good rows even if some rows are bad."),
) -> JSONResponse:
    """Upsert the file's products and variants by SKU. Any bad row: 422 with every problem (line, SKU, field,
    reason) and nothing imported, unless skip_bad."""
    limit = runtime.settings.max_import_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise KefuError(f"the file is larger than {limit // (1024 * 1024)} MB", code="file_too_large", status=413)
    try:
        result = import_catalogue(db, tenant_id=principal.tenant_id, filename=file.filename or "", data=data,
                                  skip_bad=skip_bad)
    except CatalogueFileError as exc:
        raise KefuError(exc.text, code="unreadable_file", status=422) from exc
    body = {"total": result.total, "created": result.created, "updated": result.updated,
            "variants": result.variants, "skipped": result.skipped, "problems": result.errors}
    if result.errors and not skip_bad:
        body["error"] = {"code": "bad_rows", "message": f"{len(result.errors)} bad row(s): nothing imported; fix "
                                                        "them or import with skip_bad"}
        return JSONResponse(body, status_code=422)
    record(db, principal, "products.imported", None, created=result.created, updated=result.updated)
    return JSONResponse(body)


@router.get("/{sku}", response_model=ProductData)
def read_product(sku: str, principal: Staff, db: DbDep) -> ProductData:
    """One product with its variants and size chart (a variant's SKU finds its product)."""
    product = actions.find_product(db, tenant_id=principal.tenant_id, sku=sku)
    if product is None:
        raise NotFound("product not found")
    return ProductData.model_validate(product, from_attributes=True)
