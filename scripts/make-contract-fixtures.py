#!/usr/bin/env python3
"""Writes the contract PDFs the extraction tests read (committed; rerun only to change them).

Three layouts embed DejaVu Sans as a *subset TrueType* font with a ToUnicode map,
the way real contract PDFs do: reportlab (simple font, custom encoding), fpdf2
(Type0 / Identity-H), and reportlab again placing each word by position with no
space glyphs. A last file holds only an image, like a scan.
Needs: pip install reportlab fpdf2; fonts-dejavu-core.
"""
import io
import pathlib
import sys
import zlib
import struct

OUT = pathlib.Path(__file__).resolve().parent.parent / "crates/signet-core/tests/fixtures/contracts"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

PAGES = [
    [
        "CONTRATO DE EMPRÉSTIMO PESSOAL — CÉDULA DE CRÉDITO BANCÁRIO",
        "Cláusula 1ª. O EMITENTE declara que recebeu a quantia de R$ 12.500,00.",
        "Cláusula 2ª. A taxa de juros é de 1,99% ao mês; o cálculo está na tabela anexa.",
        "Parágrafo único: a cobrança não excederá os limites da legislação em vigor.",
    ],
    [
        "Cláusula 3ª. As informações prestadas são verdadeiras, sob pena de rescisão.",
        "Cláusula 4ª. O pagamento será feito em 24 parcelas mensais e sucessivas.",
        "Ações, opções e garantias: ç ã õ é ê á à í ó ú ü Ç Ã Õ É.",
    ],
    [
        "Cláusula 5ª. Fica eleito o foro da comarca de São Paulo para dirimir questões.",
        "E, por estarem de acordo, as partes assinam eletronicamente este instrumento.",
    ],
]


def expected_text():
    return "\n".join(line for page in PAGES for line in page) + "\n"


def with_reportlab(path, draw_line):
    """The contract in DejaVu Sans (subset TrueType), one line at a time."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVu", FONT))
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for page in PAGES:
        c.setFont("DejaVu", 10)
        y = 800
        for line in page:
            draw_line(c, y, line)
            y -= 18
        c.showPage()
    c.save()


def whole_line(c, y, line):
    c.drawString(50, y, line)


def word_by_word(c, y, line):
    """Each word on its own at its x position, with no space glyphs between them,
    as typesetters such as LaTeX do: spaces must be inferred from the layout."""
    from reportlab.pdfbase import pdfmetrics

    x = 50
    for word in line.split(" "):
        c.drawString(x, y, word)
        x += pdfmetrics.stringWidth(word + " ", "DejaVu", 10)


def long_contract(path, pages):
    """A contract of many pages (clauses numbered through), for reading and scrolling."""
    from fpdf import FPDF
    import datetime

    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
    pdf.add_font("DejaVu", "", FONT)
    clause = 1
    for _ in range(pages):
        pdf.add_page()
        pdf.set_font("DejaVu", size=10)
        for _ in range(8):
            pdf.multi_cell(0, 6, f"Cláusula {clause}ª. O EMITENTE declara ciência das condições, das taxas e da cobrança "
                                 f"prevista nesta cédula; a obrigação nº {clause} vence na data indicada no anexo. "
                                 "Ações e opções não se confundem com as garantias aqui descritas.", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
            clause += 1
    pdf.output(str(path))


def with_fpdf2(path):
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    import datetime
    pdf.set_creation_date(datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
    pdf.add_font("DejaVu", "", FONT)
    for page in PAGES:
        pdf.add_page()
        pdf.set_font("DejaVu", size=10)
        for line in page:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def scan_only(path):
    """One page holding a grey image and no text at all."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    width, height = 64, 64
    raw = b"".join(b"\x00" + bytes([(x * 4 + y) % 256 for x in range(width)]) for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.drawImage(ImageReader(io.BytesIO(png)), 50, 300, width=500, height=500)
    c.showPage()
    c.save()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with_reportlab(OUT / "contrato-reportlab.pdf", whole_line)
    with_fpdf2(OUT / "contrato-fpdf2.pdf")
    with_reportlab(OUT / "contrato-palavra-a-palavra.pdf", word_by_word)
    long_contract(OUT / "contrato-12-paginas.pdf", 12)
    long_contract(OUT / "contrato-100-paginas.pdf", 100)
    scan_only(OUT / "digitalizado.pdf")
    (OUT / "contrato.expected.txt").write_text(expected_text(), encoding="utf-8")
    print("wrote", *sorted(p.name for p in OUT.iterdir()), file=sys.stderr)


if __name__ == "__main__":
    main()
