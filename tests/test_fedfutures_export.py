"""The Bloomberg Fed funds futures export reader, the shipped sample and ``xlfidx fedpath``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from bloomberg_files import NA, write_fedfutures_export

import xlfidx
from xlfidx.bloomberg.fedfutures import read_fedfutures_export
from xlfidx.cli import main
from xlfidx.errors import InputError, MissingDataError
from xlfidx.samples import DATA_DIR
from xlfidx.samples import fedfutures as sample


@pytest.fixture(scope="module")
def export(fedfutures_xlsx):
    return read_fedfutures_export(fedfutures_xlsx)


def test_reads_the_2025_01_31_export(export):
    assert export.dates == ["2025-01-31", "2025-01-26", "2024-07-29"]
    assert export.spot_rate("2025-01-31") == 4.33
    assert export.spot_rate("2024-07-29") == 5.33
    assert export.meetings.astype(str).tolist()[:2] == ["2025-03-19", "2025-05-07"]
    assert export.meetings.size == 9
    assert export.problems == []
    chain = export.chain("2025-01-31")
    assert len(chain) == 14
    assert chain["ticker"].iloc[0] == "FFG5 Comdty"
    assert chain["price"].iloc[0] == 95.675
    assert chain["open interest"].iloc[0] == 503574
    assert chain["month"].iloc[-1] == "2026-03"
    assert chain["implied rate %"].iloc[-1] == pytest.approx(3.86)
    assert export.chain("2025-01-26")["open interest"].isna().all()  # no open_int column
    assert len(export.chain("2024-07-29")) == 14


def test_unknown_date_names_the_sheets(export):
    with pytest.raises(InputError, match=r"^date = '2025-02-01' is not a pricing-date sheet .* "
                       r"2025-01-31, 2025-01-26, 2024-07-29"):
        export.chain("2025-02-01")


def test_compare_two_dates_fills_missing_meetings_from_the_fomc_calendar(export):
    # the file lists meetings from 2025-03 on; the 2024-07-29 chain needs the 2024 meetings
    mtg, added = export.meetings_for("2024-07-29")
    assert added == ["2024-09-18", "2024-11-07", "2024-12-18", "2025-01-29"]
    assert export.meetings_for("2025-01-31")[1] == []
    cmp = export.compare("2025-01-31", "2024-07-29")
    assert list(cmp.columns) == ["meeting", "rate after % (2025-01-31)",
                                 "rate after % (2024-07-29)", "repricing (bp)"]
    row = cmp.set_index("meeting").loc[pd.Timestamp("2025-03-19")]
    assert row["rate after % (2025-01-31)"] == pytest.approx(4.285)  # FFJ5 on 2025-01-31
    assert row["rate after % (2024-07-29)"] == pytest.approx(4.27)   # FFJ5 on 2024-07-29
    assert row["repricing (bp)"] == pytest.approx(1.5)
    # without the published calendar, months with no listed meeting misprice by ~1%:
    bare = export.fed_path("2024-07-29", fill_fomc=False, by_month=True)
    assert bare["model - futures (bp)"].abs().max() > 50
    filled = export.fed_path("2024-07-29", by_month=True)
    clean = filled[filled["meeting"].isna()]
    assert clean["model - futures (bp)"].abs().max() < 2


def _write_export(path, rows, spot=(("2025-01-31", 4.33),), meetings=("2025-03-19",)):
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        pd.DataFrame(rows, columns=["ticker", "px_last", "last_tradeable_dt", "open_int"]).to_excel(
            xw, sheet_name="2025-01-31", index=False)
        pd.DataFrame(spot, columns=["date", "fed funds rate"]).to_excel(
            xw, sheet_name="fed funds", index=False)
        pd.DataFrame({"meeting dates": list(meetings)}).to_excel(
            xw, sheet_name="fed meetings", index=False)


def test_bad_cells_reported_by_ticker_and_field(tmp_path):
    path = tmp_path / "ff.xlsx"
    _write_export(path, [
        ("FFG5 Comdty", 95.675, dt.datetime(2025, 2, 28), 1000),
        ("FFH5 Comdty", "#N/A N/A", dt.datetime(2025, 3, 31), 900),
        ("FFJ5 Comdty", 95.715, dt.datetime(2025, 4, 30), "#N/A N/A"),
        ("FFK5 Comdty", 95.77, "#N/A N/A", 500),
        ("FFM5 Comdty", 95.83, dt.datetime(2025, 7, 31), 400),
        ("FFN5 Comdty", 250.0, dt.datetime(2025, 7, 31), 300),
    ])
    x = read_fedfutures_export(path)
    text = [str(p) for p in x.problems]
    assert text == [
        "sheet '2025-01-31', FFH5 Comdty: px_last = '#N/A N/A' is missing (contract left out of the chain)",
        "sheet '2025-01-31', FFJ5 Comdty: open_int = '#N/A N/A' is missing (read as missing)",
        "sheet '2025-01-31', FFK5 Comdty: last_tradeable_dt = '#N/A N/A' is missing; contract month "
        "taken from the ticker (read as missing)",
        "sheet '2025-01-31', FFM5 Comdty: last_tradeable_dt = 2025-07-31 is not "
        "in 2025-06, the month the ticker names (contract left out of the chain)",
        "sheet '2025-01-31', FFN5 Comdty: px_last = 250 is outside (0, 200) (contract left out of "
        "the chain)",
    ]
    chain = x.chain()
    assert chain["ticker"].tolist() == ["FFG5 Comdty", "FFJ5 Comdty", "FFK5 Comdty"]
    assert chain["month"].tolist() == ["2025-02", "2025-04", "2025-05"]
    table = x.chains["2025-01-31"].set_index("ticker")
    assert table.at["FFH5 Comdty", "problem"] == "px_last = '#N/A N/A' is missing"


def test_missing_spot_and_sheets(tmp_path):
    path = tmp_path / "ff.xlsx"
    _write_export(path, [("FFG5 Comdty", 95.675, dt.datetime(2025, 2, 28), 1)],
                  spot=(("2025-01-30", 4.33),))
    with pytest.raises(MissingDataError, match=r"^spot_rate = '2025-01-31' has no row in the 'fed funds'"):
        read_fedfutures_export(path).spot_rate("2025-01-31")
    bare = tmp_path / "bare.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(bare, index=False)
    with pytest.raises(InputError, match=r"^path = 'bare.xlsx' has no chain sheet"):
        read_fedfutures_export(bare)
    with pytest.raises(InputError, match=r"does not exist"):
        read_fedfutures_export(tmp_path / "nope.xlsx")


def test_public_names():
    assert xlfidx.read_fedfutures_export is read_fedfutures_export
    assert xlfidx.fed_path is xlfidx.fedfunds.fed_path


def test_shipped_sample_is_written_by_its_script_and_says_synthetic(tmp_path):
    committed = read_fedfutures_export(DATA_DIR / sample.FILENAME)
    sample.write(tmp_path / sample.FILENAME)
    fresh = read_fedfutures_export(tmp_path / sample.FILENAME)
    assert committed.dates == fresh.dates == ["2025-04-30", "2025-03-31"]
    for date in committed.dates:
        pd.testing.assert_frame_equal(committed.chains[date], fresh.chains[date])
    np.testing.assert_array_equal(committed.meetings, fresh.meetings)
    assert "SYNTHETIC" in sample.DESCRIPTION
    assert any("SYNTHETIC" in n for n in committed.notes)
    assert len(committed.chain("2025-04-30")) == 18


@pytest.mark.parametrize("method", ["cme", "next"])
def test_sample_path_recovers_the_hypothetical_path(method):
    # the prices are the hypothetical path's monthly averages rounded to the tick: the solve
    # gets the path back within 1 bp (rounding, amplified by the days after a meeting)
    x = read_fedfutures_export(DATA_DIR / sample.FILENAME)
    for date, (_, changes) in sample.EXPECTED_CHANGES.items():
        path = x.fed_path(date, method=method, announcement_day="old")
        truth = sample.SPOT_PCT + np.cumsum(changes)
        got = path["rate after %"].to_numpy()[: truth.size]
        ok = ~np.isnan(got)
        assert ok.sum() >= 12
        assert np.abs(got[ok] - truth[ok]).max() * 100 < 1.0


def test_backout_amplifies_tick_rounding_down_the_chain():
    # seed choice 2 multiplies each error by N/M of the next meeting month: on the sample's
    # 13 meetings half a tick of rounding ends hundreds of bp off, which is why it is not
    # the default (it still reprices every contract it used: see test_fedfunds)
    x = read_fedfutures_export(DATA_DIR / sample.FILENAME)
    _, changes = sample.EXPECTED_CHANGES["2025-04-30"]
    path = x.fed_path("2025-04-30", method="backout", announcement_day="old")
    err_bp = np.abs(path["rate after %"].to_numpy()[:13] - sample.SPOT_PCT - np.cumsum(changes)) * 100
    assert err_bp[:2].max() < 1 and err_bp[-1] > 100


def test_cli_on_the_sample(capsys, tmp_path):
    png = tmp_path / "fed.png"
    assert main(["fedpath", "--compare", "2025-03-31", "--probs", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out
    assert ("pricing date 2025-04-30: spot 4.33% (effective rate, 'fed funds' sheet), target range "
            "4.25-4.50, method cme") in out
    assert "2025-06-18     FFM5" in out
    assert "the path ends at 2026-10-28; not priced: 2026-12-09" in out
    assert "FedWatch target-range probabilities" in out
    assert "repricing of the path, 2025-04-30 vs 2025-03-31" in out
    assert png.stat().st_size > 10_000


def test_cli_on_the_2025_01_31_export(capsys, fedfutures_xlsx):
    path = str(fedfutures_xlsx)
    assert main(["fedpath", path, "--method", "next", "--compare", "2024-07-29"]) == 0
    out = capsys.readouterr().out
    assert "meetings added from the published FOMC calendar (not in the file): 2024-09-18" in out
    assert "2025-03-19     FFH5   4.3300  4.2850" in out
    assert main(["fedpath", path, "--date", "2025-02-01"]) == 2
    assert "error: date = '2025-02-01' is not a pricing-date sheet" in capsys.readouterr().err


def test_real_layout_with_bloomberg_gaps(tmp_path):
    # the 2025-01-31 export's layout (a chain sheet per date, open_int on the latest only,
    # spot dates as text, meetings as datetimes) with Bloomberg's gaps in three cells
    path = write_fedfutures_export(tmp_path / "gaps.xlsx", {
        ("2025-01-31", "FFK5 Comdty", "px_last"): NA,
        ("2025-01-31", "FFG5 Comdty", "open_int"): None,
        ("2025-01-26", "FFH5 Comdty", "last_tradeable_dt"): NA,
    })
    x = read_fedfutures_export(path)
    assert [str(p) for p in x.problems] == [
        "sheet '2025-01-31', FFG5 Comdty: open_int = (blank) is missing (read as missing)",
        "sheet '2025-01-31', FFK5 Comdty: px_last = '#N/A N/A' is missing (contract left out of "
        "the chain)",
        "sheet '2025-01-26', FFH5 Comdty: last_tradeable_dt = '#N/A N/A' is missing; contract "
        "month taken from the ticker (read as missing)",
    ]
    chain = x.chain("2025-01-31")
    assert len(chain) == 13 and "FFK5 Comdty" not in chain["ticker"].tolist()
    assert np.isnan(chain["open interest"].iloc[0]) and chain["open interest"].iloc[1] == 320421
    assert x.chain("2025-01-26").set_index("ticker").at["FFH5 Comdty", "month"] == "2025-03"
    # the March meeting is still priced (FFH5 and FFJ5: 4.285 after it, the published path);
    # May has no contract now, so the path stops there and says why
    path_ = x.fed_path("2025-01-31").set_index("meeting")
    assert path_.at[pd.Timestamp("2025-03-19"), "rate after %"] == pytest.approx(4.285, abs=0.01)
    assert path_.at[pd.Timestamp("2025-05-07"), "priced by"] == "not priced: no contract for 2025-05"


# ---------------------------------------------------------------------------------------------
# the other Bloomberg layout: a chain snapshot with px_settle_last_dt, a wide history (tickers
# down, pricing dates across), a spot sheet of FDTR Index / FEDL01 Index rows; a user's own sheet
# with a ticker column is left alone. Built from the sample's chains (the project's own data).

LATEST, EARLIER = "2025-04-30", "2025-03-31"
FDTR_UPPER = 4.50  # the target range 4.25-4.50 that the sample's 4.33% effective rate sits in


def _layout_book(path, *, chain=True, history=True, spot=("FDTR", "FEDL01"), spot_form="wide",
                 meetings=True, user_sheet=True, stale=None, spot_sheet="spot"):
    from openpyxl import Workbook

    data = sample.chains()
    day = {d: dt.datetime.fromisoformat(d) for d in data}
    wb = Workbook()
    wb.remove(wb.active)
    if chain:  # the BDP snapshot of the latest chain
        ws = wb.create_sheet("chain")
        ws.append(["ticker", "px_last", "last_tradeable_dt", "open_int", "px_settle_last_dt"])
        cols = data[LATEST]
        for i, t in enumerate(cols["ticker"]):
            settled = day[EARLIER] if t == stale else day[LATEST]
            last = dt.datetime.combine(cols["last_tradeable_dt"][i], dt.time())
            ws.append([t, cols["px_last"][i], last, cols["open_int"][i], settled])
    if history:  # BDH transposed: tickers down, pricing dates across
        ws = wb.create_sheet("history")
        ws.append(["ticker", day[LATEST], day[EARLIER]])
        tickers = list(dict.fromkeys(data[EARLIER]["ticker"] + data[LATEST]["ticker"]))
        for t in tickers:
            row = [t]
            for d in (LATEST, EARLIER):
                cols = data[d]
                row.append(cols["px_last"][cols["ticker"].index(t)] if t in cols["ticker"] else None)
            ws.append(row)
    if spot:
        _spot_sheet(wb.create_sheet(spot_sheet), spot, spot_form, day)
    if meetings:
        ws = wb.create_sheet("fed meetings")
        ws.append(["meeting dates"])
        for m in xlfidx.fomc_meetings("2025-04-01", "2026-12-31"):
            ws.append([dt.datetime.fromisoformat(str(m))])
    if user_sheet:
        ws = wb.create_sheet("my trades")
        ws.append(["ticker", "px_last", "last_tradeable_dt", "qty"])
        ws.append(["FFM5 Comdty", 95.9, dt.datetime(2025, 6, 30), -200])
        ws.append(["TYM5 Comdty", 110.5, dt.datetime(2025, 6, 18), 50])
    wb.save(path)
    return path


SPOT_FORMS = ("wide", "bdp", "bdp dated", "columns", "bdh blocks")


def _spot_sheet(ws, spot, form, day):
    """The spot rates in one of the layouts the Bloomberg add-in gives (see
    ``spot_sheet_rows``), both pricing dates except in the undated BDP snapshot."""
    rates = {"FDTR": FDTR_UPPER, "FEDL01": sample.SPOT_PCT}
    dates = (LATEST, EARLIER)
    if form == "wide":  # tickers down, dates across
        ws.append(["ticker", *(day[d] for d in dates)])
        for root in spot:
            ws.append([f"{root} Index", *(rates[root] for _ in dates)])
    elif form == "bdp":  # a BDP snapshot: no dates
        ws.append(["ticker", "px_last"])
        for root in spot:
            ws.append([f"{root} Index", rates[root]])
    elif form == "bdp dated":  # BDP rows with their date (the layout of issue: header row)
        ws.append(["ticker", "px_last", "name", "date"])
        for d in dates:
            for root in spot:
                ws.append([f"{root} Index", rates[root], f"{root} name", day[d]])
    elif form == "columns":  # BDH: dates down, tickers across
        ws.append(["date", *(f"{root} Index" for root in spot)])
        for d in dates:
            ws.append([day[d], *(rates[root] for root in spot)])
    elif form == "bdh blocks":  # a BDH block per ticker: ticker, then Dates / PX_LAST, dates down
        for b, root in enumerate(spot):
            c = 1 + 3 * b
            ws.cell(1, c, f"{root} Index")
            ws.cell(2, c, "Dates")
            ws.cell(2, c + 1, "PX_LAST")
            for i, d in enumerate(dates, start=3):
                ws.cell(i, c, day[d])
                ws.cell(i, c + 1, rates[root])
    else:
        raise AssertionError(form)


@pytest.fixture(scope="module")
def standard(tmp_path_factory):
    path = tmp_path_factory.mktemp("std") / sample.FILENAME
    sample.write(path)
    return read_fedfutures_export(path)


def _same_path(a, b, date, **kw):
    pa, pb = a.fed_path(date, **kw), b.fed_path(date, **kw)
    # without a meetings sheet the calendar covers the chain's months only: the standard book
    # lists one more meeting (2026-12-09), beyond the last contract and so not priced
    extra = pa.iloc[len(pb):]
    assert extra["rate after %"].isna().all()
    pd.testing.assert_frame_equal(pa.iloc[: len(pb)], pb)
    return pa, pb


@pytest.mark.parametrize("variant", [
    {}, {"chain": False}, {"meetings": False}, {"spot": ("FEDL01",)},
])
def test_other_layout_reads_and_prices_like_the_standard_one(tmp_path, standard, variant):
    x = read_fedfutures_export(_layout_book(tmp_path / "other.xlsx", **variant))
    assert x.dates == [LATEST, EARLIER]
    assert x.problems == []
    has_chain = variant.get("chain", True)
    assert x.ignored == ["sheet 'my trades': a ticker table that is not a chain (a chain has ticker, "
                         "px_last and last_tradeable_dt, and is named by its pricing date or has "
                         "px_settle_last_dt)"]
    for date in (LATEST, EARLIER):
        for method in ("cme", "next"):
            pa, pb = _same_path(standard, x, date, method=method)
            assert pa["rate after %"].notna().sum() >= 12
        assert x.spot_for(date).rate == 4.33
        assert x.spot_for(date).source == "effective rate, FEDL01 Index"
        assert x.fed_path(date).attrs["spot_source"] == "effective rate, FEDL01 Index"
        assert x.fed_path(date).attrs["target_range"] == "4.25-4.50"
        np.testing.assert_array_equal(x.chain(date)["month"], standard.chain(date)["month"])
    # where the layout has it, the chain sheet is the latest date's source; the history the rest
    assert x.sources[EARLIER] == "sheet 'history' column C"
    assert x.sources[LATEST] == ("sheet 'chain'" if has_chain else "sheet 'history' column B")
    if not has_chain:
        # no last trade dates in the layout: the ticker's month, last business day (CME rule)
        assert x.chain(LATEST)["last trade"].iloc[0] == pd.Timestamp("2025-05-30")


def test_spot_from_the_target_rate_only_says_so(tmp_path, standard, capsys):
    path = _layout_book(tmp_path / "fdtr.xlsx", spot=("FDTR",))
    x = read_fedfutures_export(path)
    spot = x.spot_for(LATEST)
    assert spot.rate == FDTR_UPPER and spot.target_low == 4.25
    assert spot.source.startswith("FDTR Index, the upper bound of the target range")
    path_fdtr = x.fed_path(LATEST)
    # the target range comes from FDTR (4.25-4.50), not from rounding the 4.50 down (4.50-4.75)
    assert path_fdtr.attrs["target_range"] == "4.25-4.50"
    effective = standard.fed_path(LATEST)
    # the chain starts in a meeting month (May 2025) with no clean month around it, so the
    # first meeting starts from the spot: the upper bound, 17 bp above the effective rate
    assert path_fdtr["rate before %"].iloc[0] == FDTR_UPPER
    assert effective["rate before %"].iloc[0] == sample.SPOT_PCT
    # from the first meeting anchored by a clean month on, the contracts alone price the path
    np.testing.assert_allclose(path_fdtr["rate after %"].iloc[2:], effective["rate after %"].iloc[2:])
    assert main(["fedpath", str(path)]) == 0
    out = capsys.readouterr().out
    assert (f"pricing date {LATEST}: spot 4.50% (FDTR Index, the upper bound of the target range "
            "(no effective rate for this date in the file)), target range 4.25-4.50") in out


def test_cli_names_the_spot_source_and_the_sheets_not_read(tmp_path, capsys):
    assert main(["fedpath", str(_layout_book(tmp_path / "other.xlsx"))]) == 0
    captured = capsys.readouterr()
    assert (f"pricing date {LATEST}: spot 4.33% (effective rate, FEDL01 Index), target range "
            "4.25-4.50") in captured.out
    assert "note: not read: sheet 'my trades'" in captured.err


def test_undated_spot_snapshot_is_the_latest_dates(tmp_path):
    x = read_fedfutures_export(_layout_book(tmp_path / "bdp.xlsx", spot_form="bdp"))
    assert x.spot_for(LATEST).source == f"effective rate, FEDL01 Index (undated, taken as of {LATEST})"
    assert x.spot_for(LATEST).target_low == 4.25
    with pytest.raises(MissingDataError, match=rf"^spot_rate = '{EARLIER}' has no row in the 'fed funds' "
                       "sheet and no FEDL01 Index or FDTR Index value"):
        x.spot_for(EARLIER)


def test_stale_settlement_is_flagged_and_left_out(tmp_path):
    x = read_fedfutures_export(_layout_book(tmp_path / "stale.xlsx", stale="FFN5 Comdty"))
    assert [str(p) for p in x.problems] == [
        f"sheet 'chain', FFN5 Comdty: px_settle_last_dt = {EARLIER} is not the chain's pricing date "
        f"{LATEST} (a stale price) (contract left out of the chain)"]
    assert "FFN5 Comdty" not in x.chain(LATEST)["ticker"].tolist()


def test_no_chain_and_no_spot_are_named(tmp_path):
    with pytest.raises(InputError, match=r"has no chain sheet .* found my trades"):
        read_fedfutures_export(_layout_book(tmp_path / "a.xlsx", chain=False, history=False, spot=(),
                                            meetings=False))
    with pytest.raises(InputError, match=r"has no spot rate: no 'fed funds' sheet .* FEDL01 Index or FDTR Index"):
        read_fedfutures_export(_layout_book(tmp_path / "b.xlsx", spot=()))


# ---------------------------------------------------------------------------------------------
# a chain given as rows with a header (a worksheet range): one reader for the file and the cell


def _sheet(path, name):
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    return [list(r) for r in wb[name].iter_rows(values_only=True)]


def test_chain_rows_equal_the_export_chain(fedfutures_xlsx, export):
    from xlfidx.bloomberg.fedfutures import read_chain_rows

    table, problems = read_chain_rows(_sheet(fedfutures_xlsx, "2025-01-31"), "2025-01-31")
    assert problems == []
    assert table.equals(export.chains["2025-01-31"])


def test_a_bad_price_is_left_out_and_the_path_comes_from_the_others(fedfutures_xlsx, export):
    """The 2025-01-31 chain with FFJ5's price #N/A N/A, columns reordered, ours names, blank
    rows under it: the path is the one of the chain without FFJ5, and a note says so."""
    from xlfidx.bloomberg.fedfutures import fed_path_from_chain

    rows = _sheet(fedfutures_xlsx, "2025-01-31")
    head = {"px_last": "price", "last_tradeable_dt": "expiry"}
    table = [[head.get(h, h) for h in reversed(rows[0])]] + [list(reversed(r)) for r in rows[1:]]
    bad = next(i for i, r in enumerate(table) if "FFJ5 Comdty" in r)
    table[bad][table[0].index("price")] = NA
    table += [[None] * len(table[0])] * 4
    meetings = export.meetings
    got = fed_path_from_chain(table, meetings, 4.33)
    assert got.attrs["notes"] == [
        "FFJ5 Comdty: price = '#N/A N/A' is missing (contract left out of the chain)"]
    chain = export.chain("2025-01-31")
    chain = chain[chain["ticker"] != "FFJ5 Comdty"]
    want = xlfidx.fed_path(chain["price"].to_numpy(), chain["last trade"].to_numpy(dtype="datetime64[D]"),
                           meetings, 4.33)
    pd.testing.assert_frame_equal(got, want, check_like=False, check_exact=False, atol=1e-12)


def test_a_chain_without_a_usable_contract_says_why():
    from xlfidx.bloomberg.fedfutures import fed_path_from_chain

    rows = [["ticker", "px_last", "last_tradeable_dt"], ["FFG5 Comdty", NA, dt.datetime(2025, 2, 28)]]
    with pytest.raises(InputError, match=r"^chain = '1 contracts' has no usable contract "
                                         r"\(FFG5 Comdty: px_last = '#N/A N/A' is missing"):
        fed_path_from_chain(rows, [dt.datetime(2025, 3, 19)], 4.33)
    with pytest.raises(InputError, match=r"^chain = 'ticker' header has no column px_last, "
                                         r"last_tradeable_dt"):
        fed_path_from_chain([["ticker"], ["FFG5 Comdty"]], [dt.datetime(2025, 3, 19)], 4.33)


@pytest.mark.parametrize("sheet", ["fed funds", "spot"])
@pytest.mark.parametrize("form", [f for f in SPOT_FORMS if f != "bdp"])
def test_every_spot_layout_reads_in_any_sheet_and_prices_like_the_standard_book(tmp_path, standard,
                                                                                 form, sheet):
    x = read_fedfutures_export(_layout_book(tmp_path / "spot.xlsx", spot_form=form, spot_sheet=sheet))
    assert x.problems == []
    for date in (LATEST, EARLIER):
        spot = x.spot_for(date)
        assert (spot.rate, spot.source, spot.target_low) == (4.33, "effective rate, FEDL01 Index", 4.25)
        _same_path(standard, x, date)


def test_the_header_row_fed_funds_sheet_of_the_issue_prices_its_path(tmp_path, standard, capsys):
    """A 'fed funds' sheet with a header row (ticker, px_last, ..., date) and the rows FDTR Index
    and FEDL01 Index, as a user's export has it: read as tickers, not as date/rate rows."""
    from openpyxl import load_workbook

    path = tmp_path / "fedfutures_user.xlsx"
    sample.write(path)

    wb = load_workbook(path)
    del wb["fed funds"]
    ws = wb.create_sheet("fed funds")
    ws.append(["ticker", "px_last", "last_update", "date"])
    ws.append(["FDTR Index", 4.5, "16:00:00", dt.datetime(2025, 4, 30)])
    ws.append(["FEDL01 Index", 4.33, "08:00:00", dt.datetime(2025, 4, 30)])
    wb.save(path)
    x = read_fedfutures_export(path)
    assert x.problems == []
    assert x.spot_for(LATEST) == (4.33, "effective rate, FEDL01 Index", 4.25)
    pd.testing.assert_frame_equal(x.fed_path(LATEST), standard.fed_path(LATEST), check_like=True,
                                  check_exact=False)
    assert main(["fedpath", str(path)]) == 0
    out = capsys.readouterr()
    assert "pricing date 2025-04-30: spot 4.33% (effective rate, FEDL01 Index), target range 4.25-4.50" in out.out
    assert "date is text" not in out.err and "has no row" not in out.err


def test_a_bad_spot_cell_is_named_and_the_others_read(tmp_path):
    path = _layout_book(tmp_path / "bad.xlsx", spot_form="columns", spot_sheet="fed funds")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb["fed funds"]["C3"] = "n.a."  # FEDL01 on the earlier date
    wb.save(path)
    x = read_fedfutures_export(path)
    assert [str(p) for p in x.problems] == [
        f"sheet 'fed funds', FEDL01 Index: {EARLIER} = 'n.a.' is text (rate not used)"]
    assert x.spot_for(LATEST).rate == 4.33
    assert x.spot_for(EARLIER).source.startswith("FDTR Index")
