"""auth.json (de)serialization, the serde_json error emulation and the credential stores."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat

import pytest

from codex.auth import _json
from codex.auth.storage import (
    KEYRING_SERVICE, AuthDotJson, AuthStorageError, TokenData, compute_store_key, create_auth_storage,
    format_rfc3339, parse_chatgpt_jwt_claims, parse_rfc3339,
)
from memkeyring import MemoryKeyring
from fake_issuer import id_token_for, make_jwt


def test_round_trip_chatgpt_auth():
    jwt = id_token_for("acct-9", email="a@b.c", plan="team")
    adj = AuthDotJson(auth_mode="chatgpt", tokens=TokenData(parse_chatgpt_jwt_claims(jwt), "at", "rt", "acct-9"),
                      last_refresh=dt.datetime(2025, 1, 2, 3, 4, 5, 123000, tzinfo=dt.timezone.utc))
    text = adj.to_json()
    assert list(json.loads(text)) == ["auth_mode", "OPENAI_API_KEY", "tokens", "last_refresh"]
    assert '"last_refresh": "2025-01-02T03:04:05.123Z"' in text
    assert list(json.loads(text)["tokens"]) == ["id_token", "access_token", "refresh_token", "account_id"]
    back = AuthDotJson.parse(text)
    assert back == adj
    info = back.tokens.id_token
    assert (info.email, info.chatgpt_plan_type, info.chatgpt_account_id, info.is_workspace_account) == (
        "a@b.c", "team", "acct-9", True)


def test_claims_email_from_profile_and_user_id_fallback():
    jwt = make_jwt({"https://api.openai.com/profile": {"email": "p@x"},
                    "https://api.openai.com/auth": {"user_id": "u-1"}})
    info = parse_chatgpt_jwt_claims(jwt)
    assert (info.email, info.chatgpt_user_id, info.chatgpt_account_id) == ("p@x", "u-1", None)


@pytest.mark.parametrize("text, message", [
    ("", "EOF while parsing a value at line 1 column 0"),
    ("{", "EOF while parsing an object at line 1 column 1"),
    ('{"a":1,"b":}', "expected value at line 1 column 12"),
    ('{"tokens":{"id_token":"a.e30.c","access_token":"a"}}', "missing field `refresh_token` at line 1 column 51"),
    ('{"OPENAI_API_KEY": 99999999999999999999}', "invalid type: floating point `1e+20`, "
                                                 "expected a string at line 1 column 39"),
])
def test_serde_messages(text, message):
    with pytest.raises(_json.Error) as exc:
        AuthDotJson.parse(text)
    assert str(exc.value) == message


def test_rfc3339():
    assert parse_rfc3339("2025-01-01T02:00:00+02:00") == dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    assert format_rfc3339(dt.datetime(2025, 1, 1, 0, 0, 0, 1, tzinfo=dt.timezone.utc)) == "2025-01-01T00:00:00.000001Z"
    text = "2026-11-24T03:38:51.845054895Z"  # as the reference writes it: nanoseconds survive a round trip
    assert format_rfc3339(parse_rfc3339(text)) == text
    for bad, msg in [("2025-01-01", "premature end of input"), ("2025-13-01T00:00:00Z", "input is out of range"),
                     ("2025-01-01T00:00:00Zx", "trailing input"), ("x", "input contains invalid characters")]:
        with pytest.raises(ValueError, match=msg):
            parse_rfc3339(bad)


def test_file_store_atomic_0600(tmp_path):
    store = create_auth_storage(str(tmp_path), "file")
    assert store.load() is None
    (tmp_path / "auth.json").write_text("{}")
    os.chmod(tmp_path / "auth.json", 0o644)
    store.save(AuthDotJson(auth_mode="apikey", openai_api_key="sk-1"))
    assert stat.S_IMODE((tmp_path / "auth.json").stat().st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["auth.json"]
    assert store.load().openai_api_key == "sk-1"
    assert store.delete() is True and store.delete() is False


def test_file_store_corrupt_raises_naming_serde_error(tmp_path):
    (tmp_path / "auth.json").write_bytes(b"\xff")
    with pytest.raises(AuthStorageError, match="stream did not contain valid UTF-8"):
        create_auth_storage(str(tmp_path), "file").load()


def test_store_key(tmp_path):
    expected = "cli|" + hashlib.sha256(str(tmp_path.resolve()).encode()).hexdigest()[:16]
    assert compute_store_key(str(tmp_path)) == expected
    # a missing directory: canonical parent joined with the name
    assert compute_store_key(str(tmp_path / "x")) == "cli|" + hashlib.sha256(
        str(tmp_path.resolve() / "x").encode()).hexdigest()[:16]


def test_keyring_store_saves_compact_json_and_removes_file(tmp_path):
    ring = MemoryKeyring()
    (tmp_path / "auth.json").write_text("{}")
    store = create_auth_storage(str(tmp_path), "keyring", ring)
    store.save(AuthDotJson(auth_mode="apikey", openai_api_key="sk-ring"))
    assert not (tmp_path / "auth.json").exists()
    key = compute_store_key(str(tmp_path))
    assert ring.items == {(KEYRING_SERVICE, key): '{"auth_mode":"apikey","OPENAI_API_KEY":"sk-ring"}'}
    assert store.load().openai_api_key == "sk-ring"
    assert store.delete() is True
    assert store.delete() is False


def test_keyring_errors():
    ring = MemoryKeyring(fail="no secret service provider or dbus session found")
    store = create_auth_storage("/nonexistent-home", "keyring", ring)
    with pytest.raises(AuthStorageError, match="^failed to load CLI auth from keyring: Platform secure storage"):
        store.load()
    with pytest.raises(AuthStorageError, match="^failed to write OAuth tokens to keyring: "):
        store.save(AuthDotJson(openai_api_key="k"))
    with pytest.raises(AuthStorageError, match="^failed to delete auth from keyring: "):
        store.delete()
    ring2 = MemoryKeyring()
    ring2.items[(KEYRING_SERVICE, compute_store_key("/nonexistent-home"))] = "{oops"
    with pytest.raises(AuthStorageError, match="^failed to deserialize CLI auth from keyring: key must be a string"):
        create_auth_storage("/nonexistent-home", "keyring", ring2).load()


def test_auto_store_falls_back_to_file(tmp_path):
    broken = MemoryKeyring(fail="dbus")
    auto = create_auth_storage(str(tmp_path), "auto", broken)
    auto.save(AuthDotJson(auth_mode="apikey", openai_api_key="sk-file"))
    assert (tmp_path / "auth.json").exists()
    assert auto.load().openai_api_key == "sk-file"
    with pytest.raises(AuthStorageError):  # as the reference: delete goes through the keyring
        auto.delete()
    ring = MemoryKeyring()
    auto = create_auth_storage(str(tmp_path), "auto", ring)
    assert auto.load().openai_api_key == "sk-file"  # keyring empty -> file
    auto.save(AuthDotJson(auth_mode="apikey", openai_api_key="sk-ring"))
    assert not (tmp_path / "auth.json").exists() and auto.load().openai_api_key == "sk-ring"


def test_ephemeral_store(tmp_path):
    a = create_auth_storage(str(tmp_path), "ephemeral")
    a.save(AuthDotJson(openai_api_key="x"))
    assert create_auth_storage(str(tmp_path), "ephemeral").load().openai_api_key == "x"
    assert not os.listdir(tmp_path)
    assert a.delete() is True
