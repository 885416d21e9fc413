"""Find packs and fetch their versions: the built-in folder, a local folder (KEFU_PACKS_DIR), a pack server
(KEFU_PACKS_URL).

A folder holds `<pack id>/<version>.json`. A pack server is any kefu deployment (or `kefu packs serve`): it
answers GET <url>/packs/v1/index.json and GET <url>/packs/v1/<pack id>/<version>.json. The catalog joins the
sources: a pack's versions are the union of theirs, and a version is fetched from the local folder first, then
the built-in one, and only then over the network.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import BaseModel, ValidationError

from kefu.config import Settings
from kefu.errors import KefuError, NotFound
from kefu.packs.packfile import PACK_ID, Pack, PackError, PackSummary, is_version, newest, parse_pack, version_key

log = logging.getLogger(__name__)

BUILTIN_DIR = Path(__file__).parent / "data"
MAX_PACK_BYTES = 20 * 1024 * 1024
TIMEOUT = httpx.Timeout(15.0, connect=3.0)
USER_AGENT = "kefu-packs/1"


class PackSourceError(KefuError):
    """A pack server that cannot be reached or answers nonsense."""

    status = 502
    code = "pack_source_unavailable"


# --- folders ---------------------------------------------------------------------------------------------

_parsed: dict[Path, tuple[tuple[int, int], Pack]] = {}
_parsed_lock = threading.Lock()


def read_pack_file(path: Path) -> Pack:
    """Parse a pack file (cached while the file is unchanged) and check it sits where its id and version say."""
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _parsed_lock:
        hit = _parsed.get(path)
    if hit and hit[0] == stamp:
        return hit[1]
    if stat.st_size > MAX_PACK_BYTES:
        raise PackError(f"{path}: larger than {MAX_PACK_BYTES // 2**20} MB")
    pack = parse_pack(path.read_bytes(), str(path))
    if (pack.id, pack.version) != (path.parent.name, path.stem):
        raise PackError(f"{path}: the file says {pack.id} {pack.version}; it must be saved as "
                        f"{pack.id}/{pack.version}.json")
    with _parsed_lock:
        _parsed[path] = (stamp, pack)
    return pack


class FolderSource:
    """Packs in a folder on this machine."""

    def __init__(self, kind: str, path: str | Path) -> None:
        self.kind = kind  # builtin | local
        self.path = Path(path)
        self.location = str(self.path)

    def files(self) -> dict[tuple[str, str], Path]:
        """(pack id, version) → file, for every file named like a pack version."""
        if not self.path.is_dir():
            raise PackSourceError(f"pack folder {self.path} does not exist", status=500)
        out = {}
        for file in sorted(self.path.glob("*/*.json")):
            if PACK_ID.match(file.parent.name) and is_version(file.stem):
                out[(file.parent.name, file.stem)] = file
        return out

    def index(self) -> tuple[list[PackSummary], list[str]]:
        """Summaries of the packs here and the problems of files that are skipped."""
        versions: dict[str, list[str]] = {}
        for pack_id, version in self.files():
            versions.setdefault(pack_id, []).append(version)
        out, problems = [], []
        for pack_id, found in sorted(versions.items()):
            good = []
            for version in found:
                try:
                    read_pack_file(self.path / pack_id / f"{version}.json")
                    good.append(version)
                except PackError as exc:
                    problems.append(exc.message)
            if good:
                good.sort(key=version_key)
                latest = read_pack_file(self.path / pack_id / f"{good[-1]}.json")
                out.append(latest.summary(good))
        return out, problems

    def file(self, pack_id: str, version: str) -> Path | None:
        if not (PACK_ID.match(pack_id) and is_version(version)):
            return None
        path = self.path / pack_id / f"{version}.json"
        return path if path.is_file() else None

    def fetch(self, pack_id: str, version: str) -> Pack:
        path = self.file(pack_id, version)
        if path is None:
            raise NotFound(f"{self.kind} packs have no {pack_id} {version}", code="pack_not_found")
        return read_pack_file(path)


# --- pack servers ----------------------------------------------------------------------------------------

class _Index(BaseModel):
    packs: list[PackSummary]


_remote_cache: OrderedDict[tuple[str, str, str], Pack] = OrderedDict()
_remote_lock = threading.Lock()
REMOTE_CACHE_SIZE = 16  # versions are immutable once published, so a fetched one is kept


class RemoteSource:
    """Packs on a pack server, over HTTP."""

    kind = "remote"

    def __init__(self, url: str, client: httpx.Client | None = None) -> None:
        base = url.rstrip("/")
        self.base = base if base.endswith("/packs/v1") else base + "/packs/v1"
        self.location = self.base
        self.client = client

    def _get(self, path: str) -> bytes:
        url = f"{self.base}/{path}"
        try:
            client = self.client or httpx.Client(timeout=TIMEOUT, headers={"User-Agent": USER_AGENT})
            try:
                with client.stream("GET", url) as r:
                    if r.status_code == 404:
                        raise NotFound(f"the pack server has no {path}", code="pack_not_found")
                    if r.status_code != 200:
                        raise PackSourceError(f"pack server {url} answered HTTP {r.status_code}")
                    body = bytearray()
                    for chunk in r.iter_bytes():
                        body += chunk
                        if len(body) > MAX_PACK_BYTES:
                            raise PackSourceError(f"pack server {url}: answer larger than "
                                                  f"{MAX_PACK_BYTES // 2**20} MB")
                    return bytes(body)
            finally:
                if client is not self.client:
                    client.close()
        except httpx.TimeoutException as exc:
            raise PackSourceError(f"pack server {url} did not answer in time ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise PackSourceError(f"pack server {url} not reachable: {type(exc).__name__}: {exc}") from exc

    def index(self) -> tuple[list[PackSummary], list[str]]:
        data = self._get("index.json")
        try:
            packs = _Index.model_validate(json.loads(data)).packs
        except (ValueError, ValidationError) as exc:
            raise PackSourceError(f"pack server {self.base}/index.json: not a pack index ({str(exc)[:200]})") from exc
        good = [p for p in packs if PACK_ID.match(p.id) and p.versions and all(map(is_version, p.versions))]
        problems = [f"{self.base}/index.json: pack entry {p.id!r} has bad versions" for p in packs if p not in good]
        return good, problems

    def fetch(self, pack_id: str, version: str) -> Pack:
        if not (PACK_ID.match(pack_id) and is_version(version)):
            raise NotFound(f"no pack {pack_id} {version}", code="pack_not_found")
        key = (self.base, pack_id, version)
        with _remote_lock:
            if key in _remote_cache:
                _remote_cache.move_to_end(key)
                return _remote_cache[key]
        where = f"{self.base}/{pack_id}/{version}.json"
        pack = parse_pack(self._get(f"{pack_id}/{version}.json"), where)
        if (pack.id, pack.version) != (pack_id, version):
            raise PackError(f"{where}: the file says {pack.id} {pack.version}")
        with _remote_lock:
            _remote_cache[key] = pack
            while len(_remote_cache) > REMOTE_CACHE_SIZE:
                _remote_cache.popitem(last=False)
        return pack


# --- the catalog -----------------------------------------------------------------------------------------

Source = FolderSource | RemoteSource


@dataclass
class SourceStatus:
    kind: str
    location: str
    ok: bool = True
    error: str = ""


@dataclass
class Entry:
    """One pack across the sources: the newest version's summary and which source holds each version."""

    summary: PackSummary
    where: dict[str, Source] = field(default_factory=dict)


def local_sources(settings: Settings) -> list[FolderSource]:
    """The folders this deployment holds: KEFU_PACKS_DIR first (it may override a built-in version), then the
    built-in packs."""
    out = [FolderSource("local", settings.packs_dir)] if settings.packs_dir else []
    return [*out, FolderSource("builtin", BUILTIN_DIR)]


class Catalog:
    """Every pack the sources offer; reads each source's index once, at first use."""

    def __init__(self, sources: list[Source]) -> None:
        self.sources = sources
        self.problems: list[str] = []
        self.status: list[SourceStatus] = []
        self._entries: dict[str, Entry] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Catalog:
        folders = local_sources(settings)
        # Folders before the network: a version both have is read from disk.
        remote = [RemoteSource(settings.packs_url)] if settings.packs_url else []
        return cls([*folders, *remote])

    def entries(self) -> dict[str, Entry]:
        if self._entries is not None:
            return self._entries
        entries: dict[str, Entry] = {}
        for source in self.sources:
            status = SourceStatus(source.kind, source.location)
            self.status.append(status)
            try:
                summaries, problems = source.index()
            except KefuError as exc:
                status.ok, status.error = False, exc.message
                log.warning("pack source %s: %s", source.location, exc.message)
                continue
            self.problems += problems
            for summary in summaries:
                entry = entries.setdefault(summary.id, Entry(summary))
                for version in summary.versions:
                    entry.where.setdefault(version, source)
                if version_key(summary.version) > version_key(entry.summary.version):
                    entry.summary = summary
        for entry in entries.values():
            entry.summary = entry.summary.model_copy(
                update={"versions": sorted(entry.where, key=version_key)})
        self._entries = entries
        return entries

    def get(self, pack_id: str) -> Entry:
        entry = self.entries().get(pack_id)
        if entry is None:
            down = [s.location for s in self.status if not s.ok]
            hint = f" (unreachable: {', '.join(down)})" if down else ""
            raise NotFound(f"no knowledge pack called {pack_id!r}{hint}", code="pack_not_found")
        return entry

    def latest(self, pack_id: str) -> str:
        return newest(self.get(pack_id).where)

    def fetch(self, pack_id: str, version: str | None = None) -> tuple[Pack, str]:
        """Return the pack at version (default: the newest) and the kind of source it came from."""
        if version is not None:  # a version skipped as broken is refused with its problem, not "not found"
            broken = [p for p in self.problems if f"{pack_id}/{version}.json" in p] if self.entries() else []
            if broken and version not in self.get(pack_id).where:
                raise PackError(broken[0])
        entry = self.get(pack_id)
        version = version or newest(entry.where)
        source = entry.where.get(version)
        if source is None:
            raise NotFound(f"pack {pack_id} has no version {version} (there are: {', '.join(entry.summary.versions)})",
                           code="pack_version_not_found")
        return source.fetch(pack_id, version), source.kind
