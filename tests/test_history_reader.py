"""Reading MBS / futures histories: the shipped sample, BDH blocks and tidy tables, gaps and
later starts, and clear messages for a missing sheet or ticker, non-dates and empty contracts."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from xlfidx import read_history, run_backtest
from xlfidx.backtest import BacktestConfig
from xlfidx.bloomberg.history import HistoryWarning
from xlfidx.errors import InputError
from xlfidx.samples import mbs_history, sample_path

# the small test books hold three contracts; the other three are skipped with a warning
pytestmark = pytest.mark.filterwarnings("ignore::xlfidx.bloomberg.history.HistoryWarning")
# the reader reads through python-calamine (compiled: no Pyodide build)
READS = pytest.mark.needs("python_calamine")

FIELDS = ["PX_LAST", "CONVENTIONAL_CTD_FORWARD_FRSK", "FUT_EQV_CNVX_NOTL"]
N = 320


def _data(n: int = N) -> dict:
    """A small history: MBS + three contracts, FV starting 40 days late."""
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2020-01-02", periods=n).date
    mbs = {"LUMSTRUU": 1000 * np.cumprod(1 + rng.normal(1e-4, 2e-3, n)),
           "LUMSMD": 4 + np.cumsum(rng.normal(0, 0.02, n)),
           "LUMSOAS": 40 + np.cumsum(rng.normal(0, 1, n))}
    fut = {}
    for c, d0, start in (("TU", 1.9, 0), ("FV", 4.2, 40), ("TY", 6.4, 0)):
        px = 110 * np.cumprod(1 + rng.normal(0, 0.003, n))
        dur = d0 + rng.normal(0, 0.01, n)
        cx = (dur**2 + dur) / 100
        cols = {"PX_LAST": px, "CONVENTIONAL_CTD_FORWARD_FRSK": dur, "FUT_EQV_CNVX_NOTL": cx}
        fut[c] = {k: np.where(np.arange(n) >= start, np.round(v, 6), np.nan) for k, v in cols.items()}
    return {"days": days, "mbs": mbs, "fut": fut}


def _cell(v):
    return None if isinstance(v, float) and np.isnan(v) else v


def write_bdh(path: Path, data: dict, edit=None) -> Path:
    """Bloomberg BDH side-by-side blocks: ticker row, field row, a date column per block."""
    wb = Workbook()
    wb.remove(wb.active)
    days = data["days"]

    def blocks(ws, series):
        col = 1
        for ticker, fields in series:
            values = list(fields.values())
            first = int(np.argmax(~np.isnan(values[0]))) if not np.isnan(values[0]).all() else 0
            ws.cell(1, col, ticker)
            ws.cell(2, col, "Dates")
            for j, name in enumerate(fields, start=1):
                ws.cell(2, col + j, name)
            for i in range(first, len(days)):
                r = 3 + i - first
                ws.cell(r, col, days[i])
                for j, v in enumerate(values, start=1):
                    ws.cell(r, col + j, _cell(float(v[i])))
            col += len(fields) + 2

    blocks(wb.create_sheet("MBS"), [(f"{k} Index", {"PX_LAST": v}) for k, v in data["mbs"].items()])
    blocks(wb.create_sheet("Futures"), [(f"{c}1 Comdty", f) for c, f in data["fut"].items()])
    if edit:
        edit(wb)
    wb.save(path)
    return path


def write_tidy(path: Path, data: dict, sheet_names=("MBS", "Futures")) -> Path:
    """One Date column and one column per ticker and field, both sheets (or one sheet)."""
    wb = Workbook()
    wb.remove(wb.active)
    cols = {k: v for k, v in data["mbs"].items()}
    fcols = {f"{c} {f}": v for c, fields in data["fut"].items() for f, v in fields.items()}
    targets = [(sheet_names[0], cols), (sheet_names[1], fcols)] if sheet_names[0] != sheet_names[1] \
        else [(sheet_names[0], cols | fcols)]
    for name, columns in targets:
        ws = wb.create_sheet(name)
        ws.append(["Date", *columns])
        for i, day in enumerate(data["days"]):
            ws.append([day, *(_cell(float(v[i])) for v in columns.values())])
    wb.save(path)
    return path


# ---------------------------------------------------------------------------------------------
# the shipped sample


@READS
def test_shipped_sample_reads_with_later_starts_and_realistic_levels():
    history = read_history(sample_path(mbs_history.FILENAME))
    mbs, fut = history
    assert history.synthetic
    assert list(mbs.columns) == ["LUMSTRUU", "LUMSMD", "LUMSOAS"]
    assert mbs.index[0] == pd.Timestamp("2004-01-02") and mbs.index[-1] == pd.Timestamp("2024-12-31")
    assert isinstance(mbs.index, pd.DatetimeIndex) and mbs.notna().all().all()
    assert history.contracts == ["TU", "FV", "TY", "UXY", "US", "WN"]
    price = fut["PX_LAST"]
    assert price["UXY"].first_valid_index() == pd.Timestamp("2016-01-11")
    assert price["WN"].first_valid_index() == pd.Timestamp("2010-01-11")
    dur = fut["CONVENTIONAL_CTD_FORWARD_FRSK"].mean()
    for c, d in {"TU": 1.9, "FV": 4.2, "TY": 6.4, "UXY": 8.5, "US": 13, "WN": 18}.items():
        assert dur[c] == pytest.approx(d, rel=0.05), c
    assert fut["FUT_EQV_CNVX_NOTL"].mean().is_monotonic_increasing
    assert 2.8 < mbs["LUMSMD"].min() < 3.5 and 6.5 < mbs["LUMSMD"].max() < 7.2
    # MBS duration extends as rates rise: longer in 2022-23 than in 2012
    assert mbs["LUMSMD"]["2023"].mean() > mbs["LUMSMD"]["2012"].mean() + 2
    # the #N/A N/A cells are reported and filled, none left inside a contract's life
    assert any(n.startswith("MBS: gaps") for n in history.notes)
    assert any("UXY: starts on 2016-01-11" in n for n in history.notes)
    for c in history.contracts:
        live = price[c].first_valid_index()
        assert fut.xs(c, axis=1, level="contract").loc[live:].notna().all().all(), c


def test_sample_generator_is_seeded_and_says_synthetic(tmp_path):
    a, b = mbs_history.simulate(), mbs_history.simulate()
    np.testing.assert_array_equal(a["mbs"]["LUMSTRUU Index"], b["mbs"]["LUMSTRUU Index"])
    assert "SYNTHETIC" in mbs_history.DESCRIPTION


# ---------------------------------------------------------------------------------------------
# layouts


@READS
def test_bdh_and_tidy_layouts_read_the_same(tmp_path):
    data = _data()
    bdh = read_history(write_bdh(tmp_path / "bdh.xlsx", data))
    tidy = read_history(write_tidy(tmp_path / "tidy.xlsx", data))
    one = read_history(write_tidy(tmp_path / "one.xlsx", data, ("Data", "Data")), "Data", "Data")
    for h in (bdh, tidy, one):
        assert h.contracts == ["TU", "FV", "TY"]
        assert not h.synthetic
        np.testing.assert_allclose(h.mbs["LUMSMD"].to_numpy(), data["mbs"]["LUMSMD"])
        np.testing.assert_allclose(h.futures[("PX_LAST", "FV")].to_numpy(), data["fut"]["FV"]["PX_LAST"])
        assert h.futures[("PX_LAST", "FV")].first_valid_index() == pd.Timestamp(data["days"][40])
    pd.testing.assert_frame_equal(bdh.futures, tidy.futures)
    pd.testing.assert_frame_equal(bdh.mbs, tidy.mbs)
    assert "TY" in {c for c in one.contracts}


@READS
def test_na_text_and_blanks_are_gaps_filled_and_reported(tmp_path):
    data = _data()

    def holes(wb):
        ws = wb["Futures"]
        # TY block starts at column 11 (TU: A-D, gap, FV: F-I, gap, TY: K-N)
        ws["L20"] = "#N/A N/A"
        ws["L21"] = None
        ws["M100"] = "#N/A N/A"
        wb["MBS"]["B50"] = "#N/A N/A"

    h = read_history(write_bdh(tmp_path / "holes.xlsx", data, holes))
    ty = h.futures[("PX_LAST", "TY")]
    assert ty.iloc[17] == ty.iloc[16] == ty.iloc[18] == pytest.approx(data["fut"]["TY"]["PX_LAST"][16])
    assert any("TY: gaps" in n and "PX_LAST 2 day(s)" in n and "CONVENTIONAL_CTD_FORWARD_FRSK 1 day(s)" in n
               for n in h.notes)
    assert any("MBS: gaps" in n and "LUMSTRUU 1 day(s)" in n for n in h.notes)
    assert h.futures.loc[:, (slice(None), "TY")].notna().all().all()


def _blank(sheet: str, column: str, rows: range):
    def edit(wb):
        for r in rows:
            wb[sheet][f"{column}{r}"] = None
    return edit


@READS
@pytest.mark.parametrize("days, filled", [(3, True), (5, True), (6, False)])
def test_gaps_up_to_the_fill_limit_are_filled_and_longer_ones_named(tmp_path, days, filled):
    # LUMSTRUU is column B of the MBS sheet; row 3 is the first day, so row 103 is day 100
    h = read_history(write_bdh(tmp_path / "g.xlsx", _data(), _blank("MBS", "B", range(103, 103 + days))))
    level = h.mbs["LUMSTRUU"]
    first, last = h.mbs.index[100].date(), h.mbs.index[99 + days].date()
    gap_notes = [n for n in h.notes if n.startswith("LUMSTRUU: gap of")]
    if filled:
        assert (level.iloc[100:100 + days] == level.iloc[99]).all()
        assert any(n.startswith("MBS: gaps") and f"LUMSTRUU {days} day(s)" in n for n in h.notes)
        assert gap_notes == []
    else:
        assert level.iloc[100:100 + days].isna().all() and level.iloc[[99, 100 + days]].notna().all()
        assert gap_notes == [f"LUMSTRUU: gap of {days} day(s) without data, {first} to {last}, longer "
                             "than 5 day(s) so not filled; no strategy earns returns over it"]
    assert [g for g in h.gaps if g.series == "LUMSTRUU"] == [
        (("LUMSTRUU", first, last, days, "inside", filled))]


@READS
def test_fill_limit_is_a_setting(tmp_path):
    path = write_bdh(tmp_path / "g.xlsx", _data(), _blank("MBS", "B", range(103, 113)))
    assert read_history(path).mbs["LUMSTRUU"].isna().sum() == 10
    assert read_history(path, max_fill_days=10).mbs["LUMSTRUU"].isna().sum() == 0
    assert read_history(path, max_fill_days=0).mbs["LUMSTRUU"].isna().sum() == 10
    with pytest.raises(InputError, match=r"^max_fill_days = -1 must be a whole number of days >= 0"):
        read_history(path, max_fill_days=-1)


@READS
def test_mbs_late_start_and_early_end_are_named_like_a_contract_start(tmp_path):
    # LUMSMD (column E) blank for its first 30 and last 20 days
    edit = _blank("MBS", "E", [*range(3, 33), *range(3 + N - 20, 3 + N)])
    h = read_history(write_bdh(tmp_path / "g.xlsx", _data(), edit))
    d = h.mbs.index.date
    assert f"LUMSMD: starts on {d[30]}, later than the history (30 day(s) without data, {d[0]} to " \
           f"{d[29]}); no strategy earns returns before it" in h.notes
    assert f"LUMSMD: ends on {d[N - 21]}, earlier than the history (20 day(s) without data, " \
           f"{d[N - 20]} to {d[N - 1]}); no strategy earns returns after it" in h.notes
    assert f"FV: starts on {d[40]}, later than the history (40 day(s) without data, {d[0]} to " \
           f"{d[39]}); no strategy holds FV before it" in h.notes
    res = run_backtest(*h, BacktestConfig(tilts=(0.0, 1.0), warmup_days=10, min_train_years=1))
    # a position needs the day-before duration: first held on day 31, last on the first blank day
    live = res.returns.notna().any(axis=1)
    assert not live.iloc[:31].any() and live.iloc[31:N - 19].all() and not live.iloc[N - 19:].any()


@READS
def test_a_contract_gap_is_not_filled_and_names_the_contract(tmp_path):
    # TY block: K dates, L PX_LAST; days 150-169 without a price
    h = read_history(write_bdh(tmp_path / "g.xlsx", _data(), _blank("Futures", "L", range(153, 173))))
    d = h.mbs.index.date
    assert h.futures[("PX_LAST", "TY")].iloc[150:170].isna().all()
    assert f"TY PX_LAST: gap of 20 day(s) without data, {d[150]} to {d[169]}, longer than 5 day(s) " \
           "so not filled; no strategy holds TY over it" in h.notes


def _readme(lines):
    def edit(wb):
        ws = wb.create_sheet("README", 0)
        for line in lines:
            ws.append([line])
    return edit


@READS
def test_synthetic_only_when_the_readme_says_so_and_the_numbers_are_its_own(tmp_path):
    from xlfidx.bloomberg.history import SYNTHETIC_LABEL, year_digests

    data = _data()
    mine = year_digests(data["days"], data["mbs"]["LUMSTRUU"])
    theirs = year_digests(data["days"], data["mbs"]["LUMSTRUU"] * 1.01)  # other numbers, same dates
    cases = {
        "no readme": (None, False),
        "readme without the word": (["Bloomberg export, pulled 2024-12-31"], False),
        "readme, no digests": (["SYNTHETIC DATA - NOT MARKET DATA"], True),
        "readme, its numbers": (["SYNTHETIC DATA", f"check digest LUMSTRUU PX_LAST {mine}"], True),
        "readme, data pasted over": (["SYNTHETIC DATA", f"check digest LUMSTRUU PX_LAST {theirs}"], False),
    }
    for name, (lines, synthetic) in cases.items():
        path = write_bdh(tmp_path / f"{name}.xlsx", data, _readme(lines) if lines else None)
        h = read_history(path)
        assert h.synthetic is synthetic, name
        assert h.label == (SYNTHETIC_LABEL if synthetic else ""), name
        pasted = [n for n in h.notes if "describes SYNTHETIC sample data" in n]
        assert len(pasted) == (name == "readme, data pasted over"), name


# the acceptance case: eleven years of blank LUMSTRUU in the sample, written by its own writer
BLANK_TO = dt.date(2015, 12, 31)


@pytest.fixture(scope="module")
def blank_sample(tmp_path_factory):
    def simulate(seed=mbs_history.SEED, _real=mbs_history.simulate):
        h = _real(seed)
        level = h["mbs"]["LUMSTRUU Index"].copy()
        level[h["dates"] <= np.datetime64(BLANK_TO)] = np.nan
        h["mbs"] = dict(h["mbs"], **{"LUMSTRUU Index": level})
        return h

    path = tmp_path_factory.mktemp("blank") / "blank_lumstruu.xlsx"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mbs_history, "simulate", simulate)
        mbs_history.write(path)
    return path


@READS
def test_eleven_blank_years_of_mbs_returns_earn_nothing_and_are_named(blank_sample):
    days = mbs_history.business_days()
    blank = days[days <= np.datetime64(BLANK_TO)]
    resume = days[days.size - (days > np.datetime64(BLANK_TO)).sum()]
    h = read_history(blank_sample)
    assert h.synthetic  # still the sample's book, and it says so
    assert h.mbs["LUMSTRUU"].first_valid_index() == pd.Timestamp(resume)
    assert (f"LUMSTRUU: starts on {resume}, later than the history ({blank.size} day(s) without "
            f"data, {blank[0]} to {blank[-1]}); no strategy earns returns before it") in h.notes
    res = run_backtest(*h, BacktestConfig(tilts=(0.0, 2.0, 6.0)), notes=h.notes)
    assert res.notes[: len(h.notes)] == h.notes
    # no strategy has a return, a cost or a position before the data resume
    upto = res.returns.index <= pd.Timestamp(resume)
    for table in (res.returns, res.returns_net, res.turnover):
        assert table.loc[upto].isna().all().all()
    assert (res.weights.loc[upto] == 0).all().all()
    assert (res.summary["start"] > resume).all()
    assert res.summary.loc["adaptive", "years"] == pytest.approx((days > np.datetime64(resume)).sum() / 252)


@READS
def test_excel_serial_dates_are_accepted(tmp_path):
    data = _data(60)
    serials = [(pd.Timestamp(d) - pd.Timestamp("1899-12-30")).days for d in data["days"]]
    data_serial = dict(data, days=serials)
    h = read_history(write_tidy(tmp_path / "serial.xlsx", data_serial))
    assert h.mbs.index[0] == pd.Timestamp(data["days"][0])


# ---------------------------------------------------------------------------------------------
# bad input


@READS
def test_missing_sheet_is_named(tmp_path):
    path = write_bdh(tmp_path / "h.xlsx", _data())
    with pytest.raises(InputError, match=r"sheet = 'Histories' is not in h\.xlsx; its sheets are \['MBS', 'Futures'\]"):
        read_history(path, futures_sheet="Histories")


@READS
def test_missing_mbs_ticker_is_named(tmp_path):
    data = _data()
    del data["mbs"]["LUMSMD"]
    with pytest.raises(InputError, match="ticker = 'LUMSMD' is not in sheet 'MBS'"):
        read_history(write_bdh(tmp_path / "h.xlsx", data))


@READS
def test_non_date_in_the_date_column_is_named(tmp_path):
    def bad(wb):
        wb["Futures"]["F30"] = "next week"

    with pytest.raises(InputError, match=r"Futures!F30 = 'next week' is not a date"):
        read_history(write_bdh(tmp_path / "h.xlsx", _data(), bad))


@READS
def test_text_in_a_number_cell_is_named(tmp_path):
    def bad(wb):
        wb["Futures"]["B12"] = "n/a?"

    with pytest.raises(InputError, match=r"TU1 Comdty PX_LAST at Futures!B12 = 'n/a\?' is not a number"):
        read_history(write_bdh(tmp_path / "h.xlsx", _data(), bad))


@READS
def test_sheet_without_a_dates_header_is_named(tmp_path):
    def bad(wb):
        ws = wb["MBS"]
        for col in ("A", "D", "G"):  # the three blocks' date columns
            ws[f"{col}2"] = "When"

    with pytest.raises(InputError, match="sheet = 'MBS' has no 'Dates' header"):
        read_history(write_bdh(tmp_path / "h.xlsx", _data(), bad))


@READS
def test_dates_going_back_are_named(tmp_path):
    def bad(wb):
        wb["Futures"]["A40"] = dt.date(2019, 1, 1)

    with pytest.raises(InputError, match="repeats or goes back in time"):
        read_history(write_bdh(tmp_path / "h.xlsx", _data(), bad))


@READS
def test_all_empty_contract_is_skipped_with_a_warning_and_the_run_goes_on(tmp_path):
    data = _data()
    for f in FIELDS:
        data["fut"]["FV"][f] = np.full(N, np.nan)

    def na(wb):  # Bloomberg writes #N/A N/A in the block of a ticker without data
        ws = wb["Futures"]
        ws["F3"] = dt.date(2020, 1, 2)
        ws["G3"] = "#N/A N/A"

    with pytest.warns(HistoryWarning, match="contract FV skipped: FV has no data"):
        h = read_history(write_bdh(tmp_path / "h.xlsx", data, na))
    assert h.contracts == ["TU", "TY"]
    assert "FV" in h.skipped and any("FV skipped" in n for n in h.notes)
    res = run_backtest(*h, BacktestConfig(tilts=(0.0, 1.0), warmup_days=40, min_train_years=1))
    assert "basis FV" not in res.summary.index and "basis TY" in res.summary.index


@READS
def test_missing_contract_block_is_skipped_with_a_warning(tmp_path):
    data = _data()
    del data["fut"]["TU"]
    with pytest.warns(HistoryWarning, match=r"contract TU skipped: no TU ticker \(e\.g\. 'TU1 Comdty'\)"):
        h = read_history(write_bdh(tmp_path / "h.xlsx", data))
    assert h.contracts == ["FV", "TY"]


@READS
def test_no_usable_contract_is_an_error(tmp_path):
    data = _data()
    data["fut"] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError, match="has no usable contract"):
            read_history(write_tidy(tmp_path / "h.xlsx", data))


@READS
def test_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="nope.xlsx"):
        read_history(tmp_path / "nope.xlsx")
