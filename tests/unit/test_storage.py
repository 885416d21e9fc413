"""The local-disk storage behind attachments, and where it puts files by default."""

import pytest

from kefu.config import Settings
from kefu.infra.storage import LocalStorage, StoredFileMissing, media_dir


def test_put_get_delete(tmp_path):
    store = LocalStorage(tmp_path / "media")
    store.put("1/202612/abc_DEF-9.jpg", b"bytes")
    assert store.get("1/202612/abc_DEF-9.jpg") == b"bytes"
    assert [p.name for p in (tmp_path / "media").rglob("*") if p.is_file()] == ["abc_DEF-9.jpg"]
    store.delete("1/202612/abc_DEF-9.jpg")
    store.delete("1/202612/abc_DEF-9.jpg")  # gone already: not an error
    with pytest.raises(StoredFileMissing):
        store.get("1/202612/abc_DEF-9.jpg")


@pytest.mark.parametrize("key", ["../x.jpg", "/etc/passwd.jpg", "1/../../x.jpg", "a/b", "a//b.jpg", "a/.hidden.jpg"])
def test_keys_cannot_leave_the_folder(tmp_path, key):
    store = LocalStorage(tmp_path)
    with pytest.raises(ValueError):
        store.put(key, b"x")
    with pytest.raises(ValueError):
        store.get(key)


def test_default_folder(tmp_path, monkeypatch):
    assert media_dir(Settings(media_dir=str(tmp_path / "m"))) == tmp_path / "m"
    assert media_dir(Settings(database_url=f"sqlite:///{tmp_path}/shop.db", media_dir=None)) == tmp_path / "media"
    monkeypatch.chdir(tmp_path)
    assert media_dir(Settings(database_url="postgresql+psycopg://u@h/db", media_dir=None)) == tmp_path / "media"
    assert media_dir(Settings(database_url="sqlite://", media_dir=None)) == tmp_path / "media"
