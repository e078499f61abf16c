"""Time to render the application form and the certificate PDFs, and their size.

    .venv/bin/python bench/documents.py --runs 20
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.documents import render_application, render_certificate  # noqa: E402
from insurance.application import ApplicationForm, IdentityDocument, IssuedPolicy  # noqa: E402
from insurance.catalogue import get_product  # noqa: E402


def form(code: str) -> ApplicationForm:
    product = get_product(code)
    return ApplicationForm(
        product=product, full_name="Әсел Қайратқызы Нұрланова", birth_date=date(1988, 3, 21),
        personal_number="880321401238", identity_document=IdentityDocument("N12345678", date(2020, 2, 1), "ҚР ІІМ"),
        address="Алматы, Абай даңғылы 10, 25 пәтер", phone="+77012345678", workplace=None,
        loan_amount=Decimal("1500000"), term_months=24, cover_option=product.cover_options[-1],
        sum_insured=Decimal("1500000"), cover_start=date(2026, 11, 23), cover_end=date(2028, 11, 22),
        premium=Decimal("22500"), tax=Decimal("0"), total=Decimal("22500"), currency=product.currency,
        language="kk", signed_at=None, signature=None)


def timed(render, argument, runs: int) -> tuple[float, float, int]:
    times, size = [], 0
    for _ in range(runs):
        began = time.perf_counter()
        size = len(render(argument))
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000, max(times) * 1000, size


def main(runs: int) -> None:
    for code in ("nomad_life", "sakbol"):
        application = form(code)
        policy = IssuedPolicy("NL-2026-000001", datetime(2026, 11, 22, tzinfo=timezone.utc), application, "ab" * 32)
        for name, render, argument in (("application", render_application, application),
                                       ("certificate", render_certificate, policy)):
            median, worst, size = timed(render, argument, runs)
            print(f"{code:10} {name:11} median={median:6.1f} ms  max={worst:6.1f} ms  size={size / 1024:5.0f} KiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    main(parser.parse_args().runs)
