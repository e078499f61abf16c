"""Schemathesis fuzzes the partner API from its own OpenAPI document, against the
running service with a real partner key and a real claim: no answer is a 5xx.
Bounded: a fixed number of examples per operation and at most 60 seconds
(`QAMQOR_FUZZ_EXAMPLES` raises the number for a longer run)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.partner_api import add_partner, registered_claim

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


async def test_fuzzing_the_api_from_its_openapi_document_finds_no_server_error(qamqor, settings, person, tmp_path):
    port = await qamqor.serve_api("127.0.0.1", 0)
    key, _ = await add_partner(settings, "SAKBOL", "sakbol")
    user = await person("ru")
    await registered_claim(qamqor, user.id)
    examples = os.environ.get("QAMQOR_FUZZ_EXAMPLES", "15")
    process = await asyncio.create_subprocess_exec(
        str(SCHEMATHESIS), "run", f"http://127.0.0.1:{port}/api/v1/openapi.json",
        "--header", f"Authorization: Bearer {key}", "--checks", "not_a_server_error",
        "--max-examples", examples, "--max-time", "60", "--seed", "20261202", "--workers", "1",
        "--request-timeout", "20", "--no-shrink",
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        output, _ = await asyncio.wait_for(process.communicate(), 180)
    finally:
        if process.returncode is None:  # timed out: no fuzzer left running after the test
            process.kill()
            await process.wait()
    report = output.decode(errors="replace")
    assert process.returncode == 0, report[-4000:]
    assert "not_a_server_error" in report or "passed" in report.lower()
