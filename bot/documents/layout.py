"""The page layout both documents share, and deterministic value formatting.

A4 portrait, DejaVu Sans embedded (subset) so Kazakh and Kyrgyz letters
(ә ғ қ ң ө ұ ү һ і) render and extract. Output is byte-for-byte reproducible:
the creation date is given by the caller, producer and creator are fixed, the
file /ID is fpdf2's hash of the content, and nothing random is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import phonenumbers
from fpdf import FPDF
from fpdf.fonts import FontFace

from bot.i18n import translator
from insurance.product import LocalizedText, Product

FONTS = Path(__file__).with_name("fonts")
FAMILY = "DejaVu"
PRODUCER = "Qamqor"
NBSP = "\u00a0"

PAGE_WIDTH = 210.0
MARGIN = 15.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
LABEL_WIDTH = 62.0

INK = (33, 37, 41)
MUTED = (96, 103, 112)
BRAND = (17, 94, 89)
BRAND_LIGHT = (226, 240, 238)
RULE = (190, 198, 204)

LABEL_FILL = (245, 247, 248)
LABEL_STYLE = FontFace(family=FAMILY, emphasis="", size_pt=7.5, color=MUTED, fill_color=LABEL_FILL)
VALUE_STYLE = FontFace(family=FAMILY, emphasis="", size_pt=9.5, color=INK)
STRONG_STYLE = FontFace(family=FAMILY, emphasis="B", size_pt=9.5, color=INK)
SMALL_STYLE = FontFace(family=FAMILY, emphasis="", size_pt=7.5, color=INK)
HASH_STYLE = FontFace(family=FAMILY, emphasis="", size_pt=7, color=INK)
HEAD_STYLE = FontFace(family=FAMILY, emphasis="B", size_pt=7.5, color=MUTED, fill_color=BRAND_LIGHT)


# Values ---------------------------------------------------------------------

def fmt_date(value: date) -> str:
    """DD.MM.YYYY, the way dates are written in KZ and KG documents."""
    return f"{value:%d.%m.%Y}"


def fmt_money(amount: Decimal, currency: str) -> str:
    """`1 234 567,89 KGS`: groups of three joined by no-break spaces, decimal comma."""
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    units, cents = f"{abs(value):.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{NBSP.join(groups)},{cents}{NBSP}{currency}"


def fmt_rate(rate: Decimal) -> str:
    """0.02 -> `2%`, 0.0225 -> `2,25%`."""
    percent = (Decimal(rate) * 100).normalize()
    text = format(percent, "f")
    return text.replace(".", ",") + "%"


def fmt_phone(number: str) -> str:
    """+996312680821 -> `+996 312 680 821`; short numbers (call centre 5858) as given."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def local_zone(product: Product) -> timezone:
    hours = product.utc_offset_hours
    return timezone(timedelta(hours=hours), f"UTC{hours:+d}")


def aware(moment: datetime) -> datetime:
    """A naive moment is read as UTC, never as the machine's local time."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def fmt_local_datetime(moment: datetime, product: Product) -> str:
    zone = local_zone(product)
    return f"{aware(moment).astimezone(zone):%d.%m.%Y %H:%M} ({zone.tzname(None)})"


def unique(texts: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for text in texts:
        if text and text not in seen:
            seen.append(text)
    return seen


class Languages:
    """Labels and product texts in each of the document's languages."""

    def __init__(self, languages: Sequence[str]) -> None:
        if not languages:
            raise ValueError("a document needs at least one language")
        self.codes = tuple(languages)

    def each(self, label: str, **values: object) -> list[str]:
        return unique(translator(lang).gettext(label, **values) for lang in self.codes)

    def label(self, label: str, sep: str = "\n", **values: object) -> str:
        """`Kyrgyz label` + sep + `Russian label` (once if they are the same)."""
        return sep.join(self.each(label, **values))

    def text(self, value: LocalizedText, sep: str = "\n") -> str:
        return sep.join(unique(value.get(lang) for lang in self.codes))


# Page -----------------------------------------------------------------------

class Page(FPDF):
    """An A4 document with a header band, numbered sections and label/value tables."""

    def __init__(self, *, title: str, created: datetime, footer: str, language: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=16)
        self.set_title(title)
        self.set_producer(PRODUCER)
        self.set_creator(PRODUCER)
        self.set_creation_date(aware(created))
        self.set_lang(language)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self._footer_text = footer
        self._section = 0
        self.add_page()

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FAMILY, "", 7)
        self.set_text_color(*MUTED)
        self.cell(CONTENT_WIDTH * 0.8, 4, self._footer_text)
        self.cell(CONTENT_WIDTH * 0.2, 4, f"{self.page_no()}/{{nb}}", align="R")

    # blocks

    def band(self, lines: Sequence[tuple[str, str, float]]) -> None:
        """A coloured band across the top of the first page: (text, emphasis, size) lines."""
        pad = 6.0
        height = pad * 2
        for text, emphasis, size in lines:
            self.set_font(FAMILY, emphasis, size)
            height += len(self.multi_cell(CONTENT_WIDTH, size * 0.48, text, align="L",
                                          dry_run=True, output="LINES")) * size * 0.48
        self.set_fill_color(*BRAND)
        self.rect(0, 0, PAGE_WIDTH, height, style="F")
        self.set_xy(MARGIN, pad)
        self.set_text_color(255, 255, 255)
        for text, emphasis, size in lines:
            self.set_font(FAMILY, emphasis, size)
            self.multi_cell(CONTENT_WIDTH, size * 0.48, text, align="L", new_x="LMARGIN",
                            new_y="NEXT")
        self.set_y(height + 5)

    def title_block(self, lines: Sequence[tuple[str, str, float]]) -> None:
        for text, emphasis, size in lines:
            self.set_font(FAMILY, emphasis, size)
            self.set_text_color(*INK)
            self.multi_cell(CONTENT_WIDTH, size * 0.5, text, align="C", new_x="LMARGIN",
                            new_y="NEXT")
        self.ln(3)

    def section(self, heading: str, keep_with_next: float = 24) -> None:
        """A numbered, shaded section heading kept on the page with what follows."""
        self._section += 1
        self.ln(2.5)
        self.set_font(FAMILY, "B", 9.5)
        text = f"{self._section}. {heading}"
        height = len(self.multi_cell(CONTENT_WIDTH - 4, 5, text, dry_run=True, output="LINES")) * 5
        if self.will_page_break(height + 2 + keep_with_next):
            self.add_page()
        self.set_fill_color(*BRAND_LIGHT)
        self.set_text_color(*BRAND)
        self.multi_cell(CONTENT_WIDTH, 5, text, fill=True, padding=(1, 2), align="L",
                        new_x="LMARGIN", new_y="NEXT")
        self.ln(0.5)

    def rows(self, rows: Sequence[tuple[str, str | Sequence[str], FontFace | None]]) -> None:
        """A label/value table; a value given as a sequence spans one row per item."""
        self.set_fill_color(255, 255, 255)  # the table's base style takes the current fill
        with self.table(
            width=CONTENT_WIDTH,
            col_widths=(LABEL_WIDTH, CONTENT_WIDTH - LABEL_WIDTH),
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
            text_align=("LEFT", "LEFT"),
            v_align="TOP",
            line_height=4.1,
            padding=(1.2, 2, 1.2, 2),
        ) as table:
            for label, value, style in rows:
                items = [value] if isinstance(value, str) else list(value) or [""]
                row = table.row()
                row.cell(label, style=LABEL_STYLE, rowspan=len(items))
                row.cell(items[0], style=style or VALUE_STYLE)
                for item in items[1:]:
                    table.row().cell(item, style=style or VALUE_STYLE)

    def paragraph(self, text: str, size: float = 8.5, color: tuple[int, int, int] = INK) -> None:
        self.set_font(FAMILY, "", size)
        self.set_text_color(*color)
        self.multi_cell(CONTENT_WIDTH, size * 0.46, text, align="L", new_x="LMARGIN",
                        new_y="NEXT")
        self.ln(1.2)

    def grid(self, headings: Sequence[str], values: Sequence[str], widths: Sequence[float],
             value_style: FontFace = SMALL_STYLE, min_height: float | None = None) -> None:
        """A small table with one heading row and one value row (the signature box)."""
        self.set_fill_color(255, 255, 255)
        with self.table(
            width=CONTENT_WIDTH,
            col_widths=tuple(widths),
            first_row_as_headings=True,
            headings_style=HEAD_STYLE,
            borders_layout="ALL",
            text_align="LEFT",
            v_align="TOP",
            line_height=3.6,
            padding=(1.4, 1.5, 1.4, 1.5),
        ) as table:
            head = table.row()
            for text in headings:
                head.cell(text)
            row = table.row(min_height=min_height) if min_height else table.row()
            if len(values) == len(headings):
                for text in values:
                    row.cell(text, style=value_style)
            else:
                row.cell(" | ".join(values), style=value_style, colspan=len(headings))

    def bytes(self) -> bytes:
        return bytes(self.output())
