"""Personal data at rest: the value format, values written by earlier versions, and a
key rotation done by the operator's `python -m bot rekey` on a real SQLite file."""

from __future__ import annotations

import asyncio
import base64
import os
import sqlite3
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from storage import crypto
from storage.db import create_engine, migrate, session_factory
from storage.documents import DocumentStore
from storage.models import Dialog, User
from storage.unit_of_work import UnitOfWork

ROOT = Path(__file__).resolve().parents[1]
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
PHONE = "+996555123456"
ANSWERS = {"full_name": "Айгүл Сапарова", "pin": "21505199000123"}


@pytest.fixture
def keys():
    """Restores the process's keys: other tests in this worker use their own."""
    before = crypto._active
    yield
    crypto._active = before


def test_a_value_is_sealed_with_aes_gcm_under_the_newest_key_and_never_in_the_clear(keys):
    crypto.use_keys(crypto.DataKeys([NEW, OLD]))
    token = crypto.encrypt_text(PHONE)
    assert token.startswith("qg1.") and PHONE not in token
    assert crypto.encrypt_text(PHONE) != token  # a fresh nonce each time
    assert crypto.decrypt_text(token) == PHONE
    crypto.use_keys(crypto.DataKeys([NEW]))  # the old key dropped: what the newest wrote still reads
    assert crypto.decrypt_text(token) == PHONE


def test_values_written_by_earlier_versions_read_as_they_were(keys):
    crypto.use_keys(crypto.DataKeys([OLD]))
    fernet_token = Fernet(OLD.encode()).encrypt(PHONE.encode()).decode()
    assert crypto.decrypt_text(fernet_token) == PHONE
    assert crypto.decrypt_text("+77010000000") == "+77010000000"  # from before encryption was switched on


def test_an_altered_value_or_one_under_a_dropped_key_stops_with_one_clear_line(keys):
    crypto.use_keys(crypto.DataKeys([OLD]))
    token = crypto.encrypt_text(PHONE)
    sealed = bytearray(base64.b64decode(token[4:]))
    sealed[-1] ^= 1
    altered = "qg1." + base64.b64encode(bytes(sealed)).decode()
    for bad in (altered, "qg1.not base64!", "qg1." + token[8:]):
        with pytest.raises(crypto.DataKeyError, match="cannot be decrypted"):
            crypto.decrypt_text(bad)
    crypto.use_keys(crypto.DataKeys([NEW]))
    with pytest.raises(crypto.DataKeyError, match="wrong or dropped key"):
        crypto.decrypt_text(token)


async def test_rekey_moves_every_row_and_document_to_the_new_key_while_both_are_listed(keys, tmp_path):
    data = tmp_path / "data"
    database = data / "qamqor.sqlite3"
    crypto.use_keys(crypto.DataKeys([OLD]))
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        await migrate(engine)
        async with UnitOfWork(session_factory(engine)) as uow:
            uow.session.add_all([User(id=1, phone=PHONE), User(id=2, phone="+77010000000"), User(id=3, phone=PHONE)])
            await uow.flush()
            uow.session.add(Dialog(user_id=1, state="buy", data=ANSWERS))
            await uow.commit()
    finally:
        await engine.dispose()
    document = DocumentStore(data / "documents").put(b"%PDF-1.4 the application form")
    with sqlite3.connect(database) as db:  # as earlier versions left them: a Fernet token, a plain value
        db.execute("UPDATE users SET phone = ? WHERE id = 2", (Fernet(OLD.encode()).encrypt(b"+77010000000").decode(),))
        db.execute("UPDATE users SET phone = '+77020000000' WHERE id = 3")

    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    env.update(PYTHONPATH=str(ROOT), QAMQOR_DATA_DIR=str(data), QAMQOR_DATA_KEY=f"{NEW},{OLD}")
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "rekey", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert "re-encrypted" in out.decode() and "1 documents" in out.decode()

    with sqlite3.connect(database) as db:
        stored = [value for (value,) in db.execute("SELECT phone FROM users UNION ALL SELECT data FROM dialogs")]
    assert len(stored) == 4 and all(value.startswith("qg1.") for value in stored)
    assert not any(PHONE in value or "Айгүл" in value for value in stored)
    crypto.use_keys(crypto.DataKeys([NEW]))  # the old key dropped: everything still reads
    assert sorted(crypto.decrypt_text(value) for value in stored[:3]) == ["+77010000000", "+77020000000", PHONE]
    assert crypto.decrypt_text(stored[3]) == '{"full_name":"Айгүл Сапарова","pin":"21505199000123"}'
    assert DocumentStore(data / "documents").get(document) == b"%PDF-1.4 the application form"
