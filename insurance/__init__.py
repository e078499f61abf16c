"""Qamqor's insurance rules, free of Telegram and SQL.

- `catalogue`, `product`: products as data (`products/*.json`), loaded and checked.
- `money`, `premium`: Decimal amounts, quotes, sales tax, minor units.
- `eligibility`: age limit, declarations, who may buy online; refusals as values.
- `identity`: IIN (KZ), personal number (KG), phone numbers.
- `calendar`, `claims`: working days, reporting and insurer deadlines, cover
  check, payout shares, refunds.
- `consent`: versioned consent texts.
"""
