"""Serve a folder of knowledge packs to other kefu deployments: GET /packs/v1/index.json and
GET /packs/v1/{pack_id}/{version}.json.

Every kefu app serves its own pack folders (the built-in packs and KEFU_PACKS_DIR); `kefu packs serve --dir`
runs the same routes alone, without a database. Packs are public data: no login.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kefu.errors import KefuError, NotFound
from kefu.packs.packfile import PackSummary, version_key
from kefu.packs.sources import FolderSource, local_sources, read_pack_file

router = APIRouter(prefix="/packs/v1", tags=["pack server"])


def _folders(request: Request) -> list[FolderSource]:
    folders = getattr(request.app.state, "pack_folders", None)
    if folders is None:  # inside the kefu app: the folders its settings name
        folders = local_sources(request.app.state.runtime.settings)
    return folders


def served_index(folders: list[FolderSource]) -> list[PackSummary]:
    """The packs in these folders, a version in an earlier folder hiding the same version in a later one."""
    merged: dict[str, tuple[PackSummary, dict[str, FolderSource]]] = {}
    for folder in folders:
        if not folder.path.is_dir():
            continue
        summaries, _problems = folder.index()  # broken files are left out (and logged by whoever reads them)
        for s in summaries:
            summary, where = merged.setdefault(s.id, (s, {}))
            for v in s.versions:
                where.setdefault(v, folder)
            if version_key(s.version) > version_key(summary.version):
                merged[s.id] = (s, where)
    return [summary.model_copy(update={"versions": sorted(where, key=version_key)})
            for summary, where in (merged[k] for k in sorted(merged))]


@router.get("/index.json", summary="The packs served here")
def index(request: Request) -> JSONResponse:
    """Every pack served here: id, name, newest version, every version, language, points, similar questions,
    base."""
    packs = served_index(_folders(request))
    return JSONResponse({"format": 1, "packs": [p.model_dump() for p in packs]},
                        headers={"Cache-Control": "no-cache"})


@router.get("/{pack_id}/{version}.json", summary="One version of a pack")
def pack_file(pack_id: str, version: str, request: Request) -> Response:
    """The pack file itself (docs/pack-format.md); a published version never changes."""
    for folder in _folders(request):
        path = folder.file(pack_id, version) if folder.path.is_dir() else None
        if path is not None:
            read_pack_file(path)  # a broken file is refused here, not handed on
            return Response(path.read_bytes(), media_type="application/json",
                            headers={"Cache-Control": "public, max-age=300"})
    raise NotFound(f"no pack {pack_id} {version} here", code="pack_not_found")


def create_server_app(folders: list[FolderSource]) -> FastAPI:
    """A pack server alone: the pack routes over these folders, nothing else."""
    app = FastAPI(title="kefu pack server", docs_url=None, redoc_url=None)
    app.state.pack_folders = folders

    @app.exception_handler(KefuError)
    async def _kefu_error(_request: Request, exc: KefuError):
        return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException):
        code = "pack_not_found" if exc.status_code == 404 else "http_error"
        return JSONResponse({"error": {"code": code, "message": str(exc.detail)}}, status_code=exc.status_code)

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"ok": True}

    app.include_router(router)
    return app
