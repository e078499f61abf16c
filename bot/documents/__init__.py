"""PDF documents of a sale: the application the buyer signs and the certificate.

    render_application(form)   -> bytes  # deterministic: its SHA-256 is what is signed
    render_certificate(policy) -> bytes  # the policy; for SAKBOL the contract (offer 1.6)

Both are bilingual in the product's document languages (`Product.languages`:
SAKBOL ky + ru, Nomad Life kk + ru); labels are gettext messages in
`bot.documents.labels`, product texts come from the catalogue.
"""

from __future__ import annotations

from bot.documents.application import render_application
from bot.documents.certificate import render_certificate
from bot.documents.layout import fmt_date, fmt_money

__all__ = ["fmt_date", "fmt_money", "render_application", "render_certificate"]
