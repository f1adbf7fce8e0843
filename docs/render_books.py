"""Draw the books xlfidx ships and writes as LibreOffice shows them, for the documentation.

    python docs/render_books.py [OUT_DIR]      (default: docs/img)

Needs LibreOffice (``soffice``, Debian: libreoffice-calc-nogui) and poppler (``pdftoppm``).
Each picture is one sheet of one book at 100%: a copy of the sheet with its stored values,
number formats, fonts, rich text and column widths (openpyxl, values only), printed to PDF at 100% scale
on A3 with gridlines and headings, the first page turned into a PNG and cropped to its content.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# picture name -> (book, sheet, print area or None for the used range)
BOOKS = {
    "book_basis_dlv": ("workbooks/basis.xlsm", "DLV", "A1:U45"),
    "book_fedpath": ("workbooks/fedpath.xlsm", "FEDPATH", "A1:P40"),
    "book_backtest": ("{backtest}", "Backtest", "A1:T62"),
    "book_hedge": ("workbooks/mbs_trend.xlsm", "Hedge", None),
    "book_template_basket": ("{template}", "bonds", "A1:J20"),
    "book_sample_history": ("data/mbs_trend_sample.xlsx", "Futures", "A1:Q30"),
}


def _one_sheet(book: Path, sheet: str, area: str | None, out: Path) -> Path:
    from openpyxl import load_workbook

    wb = load_workbook(book, data_only=True, rich_text=True)  # bold headings are rich text
    for ws in list(wb.worksheets):
        if ws.title != sheet:
            wb.remove(ws)
    ws = wb[sheet]
    ws.sheet_view.zoomScale = 100
    ws.print_options.gridLines = True
    ws.print_options.headings = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.page_setup.scale = 100  # as the sheet shows at 100% zoom: the first page is its top left
    if area:
        ws.print_area = area
    wb.save(out)
    return out


def _png(xlsx: Path, target: Path, work: Path) -> Path:
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(xlsx)],
                   check=True, capture_output=True, timeout=300)
    pdf = work / (xlsx.stem + ".pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "96", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(work / xlsx.stem)], check=True, timeout=300)
    raw = work / (xlsx.stem + ".png")
    _crop(raw, target)
    return target


def _crop(src: Path, dst: Path) -> None:
    """Cut the white margins, keep the picture small (a palette PNG)."""
    from PIL import Image, ImageChops

    img = Image.open(src).convert("RGB")
    bg = Image.new("RGB", img.size, (255, 255, 255))
    box = ImageChops.difference(img, bg).getbbox()
    if box:
        img = img.crop((max(box[0] - 8, 0), max(box[1] - 8, 0), min(box[2] + 8, img.width),
                        min(box[3] + 8, img.height)))
    img.convert("P", palette=Image.ADAPTIVE, colors=64).save(dst, optimize=True)


def main(out_dir: str | Path = ROOT / "docs" / "img") -> list[Path]:
    import xlfidx

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    backtest = work / "backtest"
    subprocess.run([sys.executable, "-m", "xlfidx", "backtest", "--out", str(backtest)], check=True,
                   capture_output=True, timeout=600)
    books = {"{backtest}": backtest / "mbs_trend_sample.xlsx",
             "{template}": xlfidx.write_basket_template("TYZ4", work)}
    written = []
    for name, (book, sheet, area) in BOOKS.items():
        path = books.get(book) or ROOT / book
        one = _one_sheet(path, sheet, area, work / f"{name}.xlsx")
        written.append(_png(one, out_dir / f"{name}.png", work))
    shutil.rmtree(work, ignore_errors=True)
    return written


if __name__ == "__main__":
    for p in main(*sys.argv[1:]):
        print(p)
