"""The SOFR futures export reader, the shipped sample, ``xlfidx template sofr``, ``xlfidx sofrpath``
and the worksheet functions SOFRPATH and SOFRPROBS."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import openpyxl
import pandas as pd
import pytest
import test_xlwings_machinery as machinery
from test_xlwings_machinery import xl  # noqa: F401 - the fixture: xlwings' machinery loaded

from xlfidx.bloomberg.fedfutures import read_fedfutures_export
from xlfidx.bloomberg.sofr import read_sofr_chain_rows, read_sofr_export
from xlfidx.bloomberg.templates import write_sofr_template
from xlfidx.cli import main
from xlfidx.errors import InputError
from xlfidx.excel import udfs as u
from xlfidx.samples import DATA_DIR
from xlfidx.samples import fedfutures as fed_sample
from xlfidx.samples import sofr as sample
from xlfidx.sofr import SofrChain

DATE = sample.PRICING_DATE


@pytest.fixture(scope="module")
def export():
    return read_sofr_export(DATA_DIR / sample.FILENAME)


def _levels():
    return sample.SPOT_SOFR + np.cumsum([c for _, c in sample.STEP_PATH])


def test_reads_the_sample(export):
    assert export.dates == [DATE]
    assert export.problems == [] and export.ignored == []
    assert export.spot_for(DATE) == (sample.SPOT_SOFR, "SOFRRATE Index")
    assert export.target_low(DATE) == 4.25
    chain = export.chain(DATE)
    assert len(chain) == 25 and chain["contract"].str[:3].value_counts().to_dict() == {"SR1": 13, "SR3": 12}
    assert chain["ticker"].iloc[0] == "SERJ5 Comdty" and chain["ticker"].iloc[13] == "SFRH5 Comdty"
    # the fixings are the days before the pricing date; the Fed funds chain sits beside
    assert export.fixings(DATE).index.max() == pd.Timestamp("2025-04-29")
    assert len(export.fed.chain(DATE)) == 18


def test_shipped_sample_is_written_by_its_script_and_says_synthetic(tmp_path, export):
    sample.write(tmp_path / sample.FILENAME)
    fresh = read_sofr_export(tmp_path / sample.FILENAME)
    pd.testing.assert_frame_equal(export.chains[DATE], fresh.chains[DATE])
    pd.testing.assert_series_equal(export.sofr, fresh.sofr)
    np.testing.assert_array_equal(export.meetings, fresh.meetings)
    assert "SYNTHETIC" in sample.DESCRIPTION
    assert export.notes[0].startswith("xlfidx sample SOFR futures export: SYNTHETIC")
    assert f"Stated step path: SOFR {sample.SPOT_SOFR}% on {DATE}" in export.notes[1]


def test_sample_path_is_the_stated_step_path(export):
    """Priced without rounding, the sample's contracts give the stated path back exactly; as
    shipped (rounded to the tick) within half a bp where the contracts separate the meetings."""
    exact = sample.chain(rounded=False)
    chain = export.sofr_chain(DATE)
    again = SofrChain(prices=exact["px_last"], tickers=exact["ticker"], meetings=chain.meetings,
                      spot_rate=chain.spot_rate, pricing_date=DATE, fixings=chain.fixings,
                      target_low=chain.target_low)
    path = again.path()
    priced = path["rate after %"].notna().to_numpy()
    assert priced.sum() == 14
    # from June 2026 on only SR3 price the path, two or three meetings a quarter: those levels
    # are not separated (the smallest moves that price them), the nine before are exact
    sep = ~path["meeting"].dt.strftime("%Y-%m-%d").isin(path.attrs["not_separated"]).to_numpy()
    assert sep.tolist() == [True] * 9 + [False] * 5
    assert np.abs(path["rate after %"].to_numpy()[sep] - _levels()[:14][sep]).max() * 100 < 0.01
    assert path.attrs["max_residual_bp"] < 1e-6
    shipped = chain.path()
    assert shipped.attrs["not_separated"] == path.attrs["not_separated"]
    assert np.abs(shipped["rate after %"].to_numpy()[sep] - _levels()[:14][sep]).max() * 100 < 0.5
    assert shipped.attrs["max_residual_bp"] < 0.25  # half a 0.005 tick is 0.25 bp


def _fill(template, values_book):
    """The template's formulas replaced by the values a terminal would show: each chain cell by
    ticker and field, the SOFR history and the meetings down their columns, the rates by date."""
    src = openpyxl.load_workbook(values_book)
    wb = openpyxl.load_workbook(template)
    chain = {r[0]: r for r in src[DATE].iter_rows(min_row=2, values_only=True)}
    ws = wb[DATE]
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        ticker = row[0].value
        for cell, name in zip(row[1:], head[1:], strict=True):
            cell.value = chain[ticker][head.index(name)]
    for sheet, first_col in (("sofr", 1), ("fed meetings", 1)):
        rows = list(src[sheet].iter_rows(min_row=2, values_only=True))
        for i, r in enumerate(rows, start=2):
            for j, v in enumerate(r, start=first_col):
                wb[sheet].cell(i, j, v)
    rates = {r[0]: r for r in src["fed funds"].iter_rows(min_row=2, values_only=True)}
    for row in wb["fed funds"].iter_rows(min_row=2):
        row[1].value, row[2].value = rates[row[0].value][1:3]
    out = template.with_name("filled.xlsx")
    wb.save(out)
    return out


def test_the_template_filled_with_the_samples_values_reads_back_to_the_same_chain(tmp_path, export):
    path = write_sofr_template([DATE], tmp_path, today=DATE)
    filled = read_sofr_export(_fill(path, DATA_DIR / sample.FILENAME))
    a, b = filled.sofr_chain(DATE), export.sofr_chain(DATE)
    assert a.tickers == b.tickers
    np.testing.assert_array_equal(a.prices, b.prices)
    np.testing.assert_array_equal(a.meetings, b.meetings)
    assert (a.spot_rate, a.spot_source, a.target_low) == (b.spot_rate, b.spot_source, b.target_low)
    pd.testing.assert_series_equal(a.fixings, b.fixings)
    pd.testing.assert_frame_equal(a.path(), b.path())
    pd.testing.assert_frame_equal(filled.fed.fed_path(DATE), export.fed.fed_path(DATE))
    # the template asks for the contracts the sample holds, in its order
    book = openpyxl.load_workbook(path)
    assert [r[0] for r in book[DATE].iter_rows(min_row=2, values_only=True)] == \
        sample.chain()["ticker"] + fed_sample.chains()[DATE]["ticker"]
    assert book["sofr"]["A2"].value.startswith('=BDH("SOFRRATE Index","PX_LAST","20250312"')


def test_template_command_and_its_unfilled_book(tmp_path, capsys):
    assert main(["template", "sofr", "--date", "2025-04-30", "--out", str(tmp_path)]) == 0
    assert "then run: xlfidx sofrpath" in capsys.readouterr().out
    assert main(["sofrpath", str(tmp_path / "sofr_2025-04-30.xlsx")]) == 2
    assert "still holds unfilled Bloomberg formulas" in capsys.readouterr().err


def test_sofrpath_runs_on_the_sample_with_fed_funds_beside_and_a_chart(tmp_path, capsys):
    png = tmp_path / "paths.png"
    assert main(["sofrpath", "--probs", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("xlfidx sample SOFR futures export: SYNTHETIC")
    assert (f"sofr_sample.xlsx, pricing date {DATE}: SOFR 4.36% (SOFRRATE Index), target range "
            "4.25-4.50, SOFR - target mid -1.5 bp held") in out
    assert "SOFR path (step on the business day after each meeting, fitted to SR1 and SR3):" in out
    assert "contracts and the fit (largest residual" in out
    assert "FedWatch target-range probabilities from SOFR, %:" in out
    assert "Fed funds (sofr_sample.xlsx, spot 4.33%, effective rate, FEDL01 Index) and SOFR, side by side:" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the Fed funds chain from another export
    assert main(["sofrpath", "--fed", str(DATA_DIR / fed_sample.FILENAME)]) == 0
    assert "Fed funds (fedfutures_sample.xlsx" in capsys.readouterr().out
    assert main(["sofrpath", "--date", "2025-05-01"]) == 2
    assert "date = '2025-05-01' is not a pricing date" in capsys.readouterr().err


def test_fedpath_reads_the_sofr_book_and_leaves_the_sofr_parts(capsys):
    x = read_fedfutures_export(DATA_DIR / sample.FILENAME)
    assert x.chain(DATE)["ticker"].str.startswith("FF").all() and len(x.chain(DATE)) == 18
    assert x.ignored == ["sheet 'sofr': SOFR rates (xlfidx sofrpath reads them)"]
    standard = read_fedfutures_export(DATA_DIR / fed_sample.FILENAME)
    pd.testing.assert_frame_equal(x.fed_path(DATE).iloc[:13], standard.fed_path(DATE).iloc[:13])
    assert main(["fedpath", str(DATA_DIR / sample.FILENAME)]) == 0


# ---------------------------------------------------------------------------------------------
# a chain given as rows (the sheet, or a worksheet range)


def test_chain_rows_flag_bad_rows_and_pass_over_fed_funds():
    table, problems = read_sofr_chain_rows([
        ["open_int", "ticker", "px_last"],
        [100, "SFRM5 Comdty", 95.86],
        [None, "SR3M5", 95.87],          # the same contract again
        [None, "FFK5 Comdty", 95.7],     # Fed funds: another chain's
        [None, "TYM5 Comdty", 110.2],    # not a SOFR contract
        [None, "SERK5 Comdty", "#N/A N/A"],
        [None, None, None],
    ], DATE)
    assert table["ticker"].tolist() == ["TYM5 Comdty", "SERK5 Comdty", "SFRM5 Comdty", "SR3M5"]
    assert [str(p) for p in problems] == [
        "SR3M5: ticker = 'SR3M5' names the same contract as SFRM5 Comdty (contract left out of the chain)",
        "TYM5 Comdty: ticker = 'TYM5 Comdty' is not a SOFR futures ticker (e.g. SFRH5 Comdty, SERH5 "
        "Comdty, SR3H5, SR1H5) (contract left out of the chain)",
        "SERK5 Comdty: px_last = '#N/A N/A' is missing (contract left out of the chain)"]
    assert (table["problem"] == "").tolist() == [False, False, True, False]
    with pytest.raises(InputError, match=r"^chain = 'ticker, price' header has no column px_last|"
                       r"^chain = 'ticker' header has no column px_last"):
        read_sofr_chain_rows([["ticker"], ["SR3M5"]], DATE)


# ---------------------------------------------------------------------------------------------
# the worksheet functions, called as Excel's COM layer delivers values


def _as_excel(rows):
    """Rows as Excel passes a range: a tuple of row tuples, numbers as floats or Decimal
    (a Currency cell), dates as datetimes."""
    out = []
    for r in rows:
        cells = []
        for v in r:
            if isinstance(v, int) and not isinstance(v, bool):
                v = float(v)
            cells.append(v)
        out.append(tuple(cells))
    return tuple(out)


def _sheet(path, name):
    wb = openpyxl.load_workbook(path, data_only=True)
    return [list(r) for r in wb[name].iter_rows(values_only=True)]


@pytest.fixture(scope="module")
def cells():
    path = DATA_DIR / sample.FILENAME
    chain = _sheet(path, DATE)
    chain[14][1] = Decimal(str(chain[14][1]))  # a Currency-formatted price
    return {"chain": _as_excel(chain + [[None] * 4] * 3),
            "meetings": _as_excel(_sheet(path, "fed meetings")[1:] + [[None]] * 2),
            "fixings": _as_excel(_sheet(path, "sofr"))}


def _serial(ts) -> float:
    return float((np.datetime64(ts, "D") - np.datetime64("1899-12-30", "D")).astype(int))


def test_sofrpath_in_a_cell_equals_the_chains_path(cells, export):
    out = u.SOFRPATH(cells["chain"], cells["meetings"], Decimal("4.36"), dt.datetime(2025, 4, 30),
                     cells["fixings"], 4.25)
    want = export.sofr_chain(DATE, fill_fomc=False).path()
    head, body = out[0], out[1:1 + len(want)]
    assert head == list(want.columns)
    for i, (_, row) in enumerate(want.iterrows()):
        for j, col in enumerate(head):
            v = row[col]
            if isinstance(v, pd.Timestamp):
                assert body[i][j] == _serial(v)
            elif isinstance(v, float):
                assert body[i][j] == pytest.approx(v, abs=1e-12)
            else:
                assert body[i][j] == v
    notes = [r[0] for r in out[1 + len(want):]]
    assert notes == [f"note: {n}" for n in want.attrs["notes"]]
    probs = u.SOFRPROBS(cells["chain"], cells["meetings"], 4.36, dt.datetime(2025, 4, 30),
                        cells["fixings"], 4.25)
    p = export.sofr_chain(DATE, fill_fomc=False).probabilities()
    assert probs[0] == list(p.columns)
    np.testing.assert_allclose(np.array([r[1:] for r in probs[1:1 + len(p)]], dtype=float),
                               p.iloc[:, 1:].to_numpy(), atol=1e-12)
    assert [r[0] for r in probs[1:1 + len(p)]] == [_serial(m) for m in p["meeting"]]


def test_sofrpath_leaves_a_bad_row_out_with_a_note_and_names_bad_arguments(cells):
    chain = [list(r) for r in cells["chain"]]
    chain[3][1] = "#N/A N/A"  # SERM5
    out = u.SOFRPATH(tuple(map(tuple, chain)), cells["meetings"], 4.36, 45777.0, cells["fixings"])
    assert isinstance(out, list)
    assert "note: SERM5 Comdty: px_last = '#N/A N/A' is missing (contract left out of the chain)" in \
        [r[0] for r in out]
    assert u.SOFRPATH(cells["chain"], cells["meetings"], "x", 45777.0).startswith("#VALUE! spot_rate = 'x'")
    assert u.SOFRPATH(cells["chain"], cells["meetings"], 4.36, None).startswith("#N/A pricing_date")
    assert u.SOFRPATH(((95.1,), (95.2,)), cells["meetings"], 4.36, 45777.0).startswith("#VALUE! chain")


def test_sofrpath_through_xlwings_own_udf_machinery(xl, cells, export):  # noqa: F811 - the fixture
    """``call_udf`` as a worksheet cell calls it, pywin32 stood in for (see test_xlwings_machinery)."""
    out = machinery.call(xl, "SOFRPATH", machinery.ComRange([list(r) for r in cells["chain"]]),
                         machinery.ComRange([list(r) for r in cells["meetings"]]), 4.36,
                         machinery.com_time(dt.date(2025, 4, 30)),
                         machinery.ComRange([list(r) for r in cells["fixings"]]), 4.25)
    want = export.sofr_chain(DATE, fill_fomc=False).path()
    assert out[0] == list(want.columns)
    got = [r[3] for r in out[1:1 + len(want)]]
    assert got == pytest.approx(want["rate after %"].tolist(), abs=1e-12)


def test_a_book_without_sofr_futures_or_sofr_is_named(tmp_path, capsys):
    assert main(["sofrpath", str(DATA_DIR / fed_sample.FILENAME)]) == 2
    assert "path = 'fedfutures_sample.xlsx' has no SOFR futures chain" in capsys.readouterr().err
    book = openpyxl.load_workbook(DATA_DIR / sample.FILENAME)
    del book["sofr"]
    path = tmp_path / "no_sofr.xlsx"
    book.save(path)
    assert main(["sofrpath", str(path)]) == 2
    assert ("spot_rate = '2025-04-30' has no SOFRRATE Index value on or up to 5 days before it in "
            "no_sofr.xlsx") in capsys.readouterr().err
