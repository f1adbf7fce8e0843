"""The typed figures of ``published.py`` and the written exports equal their sources.

These tests open the reference files, the real Bloomberg exports and the source documents
beside the repository (``../shared``) and are skipped, with the reason, where that folder is
absent. Every other test asserts the typed figures, so none of them depends on this folder.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import published as pub
import pytest
from bloomberg_files import NA, write_basket_export, write_fedfutures_export


def _csv_rows(path: Path) -> tuple[tuple[str, ...], list[tuple]]:
    """Columns and rows of a reference CSV: numbers as floats, blanks as None, text as text."""

    def value(text: str):
        if text == "":
            return None
        try:
            return float(text)
        except ValueError:
            return text

    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return tuple(rows[0]), [tuple(value(v) for v in r) for r in rows[1:]]


@pytest.mark.parametrize("filename, columns, rows", [
    ("usz3_dlv.csv", pub.USZ3_DLV_COLUMNS, pub.USZ3_DLV),
    ("fedpath_2025-01-31.csv", pub.FEDPATH_COLUMNS, pub.FEDPATH_2025_01_31),
    ("tba_ics_jul24.csv", pub.TBA_ICS_COLUMNS, pub.TBA_ICS_JUL24),
])
def test_typed_tables_equal_the_reference_files(reference_dir, filename, columns, rows):
    ref_columns, ref_rows = _csv_rows(reference_dir / filename)
    assert columns == ref_columns
    assert rows == ref_rows


def test_typed_conversion_factors_equal_the_reference_file(reference_dir):
    columns, rows = _csv_rows(reference_dir / "cf_vectors.csv")
    assert columns == pub.CF_VECTORS_COLUMNS
    # every figure exact; the source named for every row (the file spells CME's title out)
    assert [r[:-1] for r in rows] == [r[:-1] for r in pub.CF_VECTORS]
    for ref, typed in zip(rows, pub.CF_VECTORS, strict=True):
        assert ref[-1].split()[0] == typed[-1].split()[0]
        assert ref[-1].endswith(typed[-1].split()[-1])


def test_typed_inputs_equal_the_reference_notes(reference_dir):
    notes = (reference_dir / "README.md").read_text()
    i = pub.USZ3_DLV_INPUTS
    assert (f"futures price {i['futures_price']}, settlement {i['settle']}, delivery "
            f"{i['delivery']} (last delivery day), repo {i['repo']}% Act/360") in notes
    ticker, gross = pub.TYZ4_CTD
    assert f"the CTD is {ticker.split()[0]} (T 4.25 06/30/31) with gross basis\n−{-gross}/32" in notes
    for field in ("repo_implied_reporate", "basis_mid", "fut_ctd_net_basis"):
        assert field in notes  # the three fields no test asserts


def _cells(path: Path) -> dict[str, list[list[tuple]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[(c.value, c.data_type) for c in row] for row in ws.iter_rows()]
            for ws in wb.worksheets}


@pytest.mark.parametrize("filename, write", [
    (pub.TYZ4_FILENAME, write_basket_export),
    (pub.FEDFUTURES_FILENAME, write_fedfutures_export),
])
def test_written_export_equals_the_real_one_cell_by_cell(bloomberg_dir, tmp_path, filename, write):
    # same sheets in the same order, same header, every value and its type (text, number,
    # datetime, blank) the same
    real = _cells(bloomberg_dir / filename)
    written = _cells(write(tmp_path / filename))
    assert list(written) == list(real)
    for sheet in real:
        assert written[sheet] == real[sheet], sheet


def test_written_export_keeps_the_real_quirks(tyz4_written, fedfutures_written):
    bonds = openpyxl.load_workbook(tyz4_written)["bonds"]
    header = [c.value for c in bonds[1]]
    assert header[0] == "ticker" and "repo_implied_reporate" in header  # header in row 1, extra columns
    row = {c.value: i for i, c in enumerate(bonds["A"], start=1)}["91282CFV Govt"]
    blank = bonds.cell(row, header.index("basis_mid") + 1)
    assert blank.value is None and blank.data_type == "inlineStr"  # the export's empty text cell
    assert isinstance(bonds.cell(2, header.index("maturity") + 1).value, dt.datetime)
    ff = openpyxl.load_workbook(fedfutures_written)
    assert ff.sheetnames == ["2025-01-31", "2025-01-26", "2024-07-29", "fed funds", "fed meetings"]
    assert ff["fed funds"]["A2"].value == "2025-01-26"  # spot dates are text in the export
    assert ff["2025-01-26"].max_column == 3  # no open_int on the earlier dates


def test_edits_put_bloomberg_gaps_in_a_copy(tmp_path):
    path = write_basket_export(tmp_path / "b.xlsx", {("91282CKW Govt", "px_last"): NA,
                                                     ("91282CCS Govt", "cpn"): None})
    ws = openpyxl.load_workbook(path)["bonds"]
    values = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert values["91282CKW Govt"][pub.TYZ4_BOND_FIELDS.index("px_last")] == "#N/A N/A"
    assert values["91282CCS Govt"][pub.TYZ4_BOND_FIELDS.index("cpn")] is None


# ---------------------------------------------------------------------------------------------
# CME's TBA/Treasury spread note: its tables and worked figures as printed
# ---------------------------------------------------------------------------------------------

def _note_cells(seeds_dir: Path) -> tuple[str, list[str]]:
    [path] = [p for p in seeds_dir.iterdir() if "TBA/Treasury" in p.read_text(errors="replace")[:400]]
    text = path.read_text()
    return text, [c.strip() for c in text.split("|\n")]


def test_ics_table_equals_cme_note(seeds_dir):
    _, cells = _note_cells(seeds_dir)
    for k, (spread, tba, tba_dv01, tsy, tsy_dv01, n_tba, n_tsy, ratio) in enumerate(pub.TBA_ICS_JUL24):
        [i] = [j for j, c in enumerate(cells) if c.startswith(f"{spread} ") and "N4-U4" in c]
        price_ratio, legs, leg1, n1, dv01_1, leg2, n2, dv01_2 = cells[i + 1: i + 9]
        assert (price_ratio, legs, leg1, n1, dv01_1, n2) == (
            f"{ratio:.4f}", f"{n_tba}:{n_tsy}", tba, str(n_tba), f"{tba_dv01:.2f}", str(n_tsy))
        if k == 0:  # the Treasury leg and its DV01 are printed on the first row only
            assert (leg2, dv01_2) == (tsy, f"{tsy_dv01:.2f}")


def test_worked_figures_equal_cme_note(seeds_dir):
    text, cells = _note_cells(seeds_dir)
    price, dur, dv01 = pub.CME_TBA_NOTE["tba_dv01"]
    assert f"price of {price}" in text and f"AI-Dur of {dur} Years" in text and f"${dv01}" in text
    for im1, im2, offset, margin in pub.CME_TBA_NOTE["margin_offsets"]:
        assert f"(${im1:,} + ${im2:,}) * (1 - {offset:.0%}) = ${margin:,}" in text
    gain, loss = pub.CME_TBA_NOTE["spread_pnl"]
    assert f"profit of ${gain}" in text and f"loss of ${-loss}" in text
    for day, tba, zn, spread in pub.CME_TBA_NOTE["spread_prices"]:
        i = cells.index(day)
        row = cells[i + 1: i + 8]  # name, TBA px, position, ZN px, position, spread px, P&L
        assert (row[1], row[3], row[5]) == (str(tba), str(zn), str(spread)), day
    # the P&L column, in thousands, on the last day of each period
    pnl = [cells[cells.index(day) + 7] for day in ("3/23/23", "9/29/23")]
    assert pnl == [f"{gain / 1000:.3f}", f"{loss / 1000:.3f}"]
