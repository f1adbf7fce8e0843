"""Contracts, tickers, delivery dates and CME conversion factors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from published import CF_VECTORS, CF_VECTORS_COLUMNS

import xlfidx
from xlfidx.errors import InputError, MissingDataError, XlfidxError
from xlfidx.futures import CONTRACTS, parse_contract, resolve_contract

MONTH_CODES = "FGHJKMNQUVXZ"


def test_all_21_reference_conversion_factors_exact():
    # CME's five worked examples and Bloomberg's USZ3 DLV screen, typed in published.py
    ref = pd.DataFrame(CF_VECTORS, columns=CF_VECTORS_COLUMNS)
    assert len(ref) == 21
    tickers = [
        f"{r.contract}{MONTH_CODES[int(r.delivery_month[5:]) - 1]}{r.delivery_month[:4]}"
        for r in ref.itertuples()
    ]
    cf = xlfidx.conversion_factor(ref["coupon_pct"].to_numpy(), ref["maturity"].to_numpy(), tickers)
    np.testing.assert_array_equal(np.round(cf, 4), ref["cf"].to_numpy())
    # and one by one, with two-digit years, as a cell would ask
    for r, t in zip(ref.itertuples(), tickers, strict=True):
        two_digit = t[:-4] + t[-2:]
        assert xlfidx.conversion_factor(r.coupon_pct, r.maturity, two_digit) == r.cf


def test_every_tyz4_export_conversion_exact(tyz4_xlsx):
    bonds = pd.read_excel(tyz4_xlsx, "bonds", engine="openpyxl")
    cf = xlfidx.conversion_factor(bonds["cpn"], bonds["maturity"], "TYZ4 Comdty")
    np.testing.assert_array_equal(cf, bonds["conversion"].to_numpy())


@pytest.mark.parametrize("ticker, root, month, year", [
    ("TYZ4", "TY", 12, None), ("TYZ24", "TY", 12, 2024), ("TYZ4 Comdty", "TY", 12, None),
    ("ZNZ4", "TY", 12, None), ("tyz24 comdty", "TY", 12, 2024), ("UXYH25", "UXY", 3, 2025),
    ("TNH25", "UXY", 3, 2025), ("USU23", "US", 9, 2023), ("ZBU23", "US", 9, 2023),
    ("WNM24", "WN", 6, 2024), ("UBM24", "WN", 6, 2024), ("TUZ8", "TU", 12, None),
    ("ZTZ2008", "TU", 12, 2008), ("3YH9", "3Y", 3, None), ("Z3NH09", "3Y", 3, 2009),
    ("FVZ24", "FV", 12, 2024), ("ZFZ24", "FV", 12, 2024),
])
def test_ticker_forms(ticker, root, month, year):
    c = parse_contract(ticker)
    assert (c.spec.root, c.month, c.year) == (root, month, year)


def test_one_digit_year_resolved_by_the_bonds_window():
    assert resolve_contract("TYZ4", "2031-06-30").year == 2024
    assert resolve_contract("USZ3", "2039-08-15").year == 2023
    assert resolve_contract("TUZ8", "2010-10-31").year == 2008


def test_one_digit_year_ambiguous_is_an_error():
    # before March 2011 the bond contract had no 25-year cap, so a 2038 bond fits 2008 and 2018
    with pytest.raises(InputError, match=r"contract = 'USZ8' is ambiguous.*2008, 2018"):
        xlfidx.conversion_factor(4.5, "2038-05-15", "USZ8")
    assert xlfidx.conversion_factor(4.5, "2038-05-15", "USZ08") == 0.7943


def test_delivery_and_trading_days_tyz4(tyz4_xlsx):
    fut = pd.read_excel(tyz4_xlsx, "future", engine="openpyxl")
    fields = dict(zip(fut["field"], fut["TYZ4 Comdty"], strict=True))
    assert xlfidx.last_delivery_day("TYZ24") == np.datetime64(fields["fut_dlv_dt_last"].date())
    assert xlfidx.last_trading_day("TYZ24") == np.datetime64(fields["last_tradeable_dt"].date())
    assert xlfidx.first_delivery_day("TYZ24") == np.datetime64("2024-12-02")


def test_short_contracts_deliver_into_the_next_month():
    # TU, 3Y, FV: third business day of the following month (Jan 1 2025 is a holiday:
    # Jan 2, Jan 3, Jan 6)
    assert xlfidx.last_delivery_day("FVZ24") == np.datetime64("2025-01-06")
    assert xlfidx.last_delivery_day("FVU24") == np.datetime64("2024-10-03")
    assert xlfidx.last_delivery_day("TUZ24") == np.datetime64("2025-01-06")
    assert xlfidx.last_trading_day("FVZ24") == np.datetime64("2024-12-31")


def test_eligibility_windows():
    # CME: 6y6m to 8y from the first day of the delivery month since the Sep-2023 contract
    ok = xlfidx.is_deliverable(["2031-06-30", "2029-06-30", "2032-12-01", "2032-12-02"], "TYZ24")
    assert ok.tolist() == [True, False, True, False]
    assert xlfidx.is_deliverable("2049-11-15", "USZ24") is True   # 24y11m: under 25y
    assert xlfidx.is_deliverable("2049-12-01", "USZ24") is False  # 25y: the Ultra's
    assert xlfidx.is_deliverable("2049-12-01", "WNZ24") is True
    # original term over 5y3m is not deliverable into FV even with the right remaining term
    assert xlfidx.is_deliverable("2029-11-30", "FVZ24", issue_date="2024-11-30") is True
    assert xlfidx.is_deliverable("2029-11-15", "FVZ24", issue_date="2019-11-15") is False


@given(
    root_halves=st.sampled_from([("TY", h) for h in range(13, 17)] + [("FV", 9), ("FV", 10)]),
    delivery=st.sampled_from(["H", "M", "U", "Z"]),
    yy=st.integers(min_value=15, max_value=35),
)
def test_cf_of_six_percent_coupon_is_one_on_whole_half_years(root_halves, delivery, yy):
    # whole half years inside each window: TY 6y6m-8y, FV 4y2m-5y3m
    root, halves = root_halves
    month = MONTH_CODES.index(delivery) + 1
    start = dt.date(2000 + yy, month, 1)
    y, m = divmod(start.month - 1 + halves * 6, 12)
    maturity = dt.date(start.year + y, m + 1, 1)
    assert xlfidx.conversion_factor(6.0, maturity, f"{root}{delivery}{yy:02d}") == 1.0


@given(coupon=st.floats(min_value=0.125, max_value=8.0), months=st.integers(min_value=78, max_value=95))
def test_cf_rises_with_coupon_and_is_below_one_under_six_percent(coupon, months):
    y, m = divmod(11 + months, 12)
    maturity = dt.date(2024 + y, m + 1, 15)
    cf = xlfidx.conversion_factor(coupon, maturity, "TYZ24")
    if coupon <= 6.0:
        assert cf <= 1.0
    if coupon >= 6.5:
        assert cf >= 1.0
    assert xlfidx.conversion_factor(coupon + 0.5, maturity, "TYZ24") >= cf


def test_conversion_factor_vectorised_matches_scalar():
    coupons = np.array([1.25, 4.25, 2.875])
    mats = np.array(["2031-08-15", "2031-06-30", "2032-05-15"], dtype="datetime64[D]")
    vec = xlfidx.conversion_factor(coupons, mats, "TYZ4")
    assert vec.tolist() == [xlfidx.conversion_factor(c, m, "TYZ4") for c, m in zip(coupons, mats, strict=True)]


@pytest.mark.parametrize("coupon, maturity, contract, match", [
    (4.0, "2024-11-15", "TYZ24", r"maturity = '2024-11-15' is before the delivery month 2024-12"),
    (4.0, "2027-06-30", "TYZ24", r"maturity = '2027-06-30' is not deliverable into TYZ24"),
    (4.0, "2031-06-30", "XXZ4", r"contract = 'XXZ4' is not a Treasury futures ticker"),
    (4.0, "2031-06-30", "TYA4", r"contract = 'TYA4' is not a Treasury futures ticker"),
    (4.0, "2031-06-30", 5, r"contract = 5 is not text"),
    ("abc", "2031-06-30", "TYZ4", r"coupon = 'abc' is text"),
    (4.0, "next year", "TYZ4", r"maturity = 'next year' is text"),
    (-1.0, "2031-06-30", "TYZ4", r"coupon = -1.0 is negative"),
])
def test_conversion_factor_bad_input(coupon, maturity, contract, match):
    with pytest.raises(InputError, match=match):
        xlfidx.conversion_factor(coupon, maturity, contract)


@pytest.mark.parametrize("blank", [None, "", "#N/A N/A", float("nan")])
def test_conversion_factor_missing_coupon(blank):
    with pytest.raises(MissingDataError, match=r"^coupon = .* is missing"):
        xlfidx.conversion_factor(blank, "2031-06-30", "TYZ4")


def test_error_family():
    assert issubclass(InputError, XlfidxError) and issubclass(MissingDataError, InputError)
    assert issubclass(XlfidxError, ValueError)


def test_contract_table_is_data():
    assert set(CONTRACTS) == {"TU", "3Y", "FV", "TY", "UXY", "US", "WN"}
    assert {s.cme_root for s in CONTRACTS.values()} == {"ZT", "Z3N", "ZF", "ZN", "TN", "ZB", "UB"}


def test_one_digit_year_resolved_by_settlement_date():
    # with a settle date, USZ3 is the first December 2023 on or after it, and a bond that is not
    # deliverable then is named as such (not as an ambiguous ticker)
    assert xlfidx.conversion_factor(4.5, "2038-05-15", "USZ8", settle="2018-11-01") == \
        xlfidx.conversion_factor(4.5, "2038-05-15", "USZ18")
    with pytest.raises(InputError, match=r"maturity = '2030-05-15' is not deliverable into USZ23"):
        xlfidx.conversion_factor(4.0, "2030-05-15", "USZ3", settle="2023-11-22")


def test_one_digit_year_per_bond_errors_name_the_row():
    with pytest.raises(InputError, match=r"maturity\[1\] = '2027-06-30' is not deliverable into TYZ4"):
        xlfidx.conversion_factor([4.25, 4.0], ["2031-06-30", "2027-06-30"], "TYZ4")


# ---------------------------------------------------------------------------------------------
# Contract windows, checked against CME's deliverable-grade rules (CBOT Rulebook chapters 18-21,
# 26 and the contract specification pages). Every date below is worked out by hand from the rule
# text quoted beside it, not taken from xlfidx.


def _month_start(year: int, month: int, k: int = 0) -> dt.date:
    y, m = divmod(month - 1 + k, 12)
    return dt.date(year + y, m + 1, 1)


def _month_end(year: int, month: int, k: int = 0) -> dt.date:
    return _month_start(year, month, k + 1) - dt.timedelta(days=1)


DAY = dt.timedelta(days=1)

# (contract, first eligible maturity, last eligible maturity, CME rule)
WINDOW_EDGES = [
    # TU: "original term to maturity of not more than 5 years 3 months, a remaining term to
    # maturity of not less than 1 year 9 months from the first day of the delivery month and of
    # not more than 2 years from the last day of the delivery month"
    ("TUZ24", dt.date(2026, 9, 1), dt.date(2026, 12, 31), "TU 1y9m from 1st, 2y from last day"),
    ("TUU24", dt.date(2026, 6, 1), dt.date(2026, 9, 30), "TU 1y9m from 1st, 2y from last day"),
    ("TUH25", dt.date(2026, 12, 1), dt.date(2027, 3, 31), "TU 1y9m from 1st, 2y from last day"),
    # 3Y: "not less than 2 years 9 months from the first day ... not more than 3 years from the
    # last day of the delivery month"
    ("3YZ24", dt.date(2027, 9, 1), dt.date(2027, 12, 31), "3Y 2y9m from 1st, 3y from last day"),
    ("3YM25", dt.date(2028, 3, 1), dt.date(2028, 6, 30), "3Y 2y9m from 1st, 3y from last day"),
    # FV: "original term to maturity of not more than 5 years 3 months and a remaining term to
    # maturity of not less than 4 years 2 months as of the first day of the delivery month";
    # a note issued after the last trading day (the last business day of the delivery month)
    # is not eligible, so the latest maturity is 5y3m after the end of the delivery month
    ("FVZ24", dt.date(2029, 2, 1), dt.date(2030, 3, 31), "FV 4y2m from 1st, orig. <= 5y3m"),
    ("FVU23", dt.date(2027, 11, 1), dt.date(2028, 12, 31), "FV 4y2m from 1st, orig. <= 5y3m"),
    ("FVH25", dt.date(2029, 5, 1), dt.date(2030, 6, 30), "FV 4y2m from 1st, orig. <= 5y3m"),
    # TY: "at least six and a half years, but not more than 8 years, from the first day of the
    # delivery month" since the Sep-2023 contract (CME, "The perfect 10 at 10", 2026; Bloomberg's
    # TYZ4 basket ends at the 4.125% of 2032-11-15); "not more than 10 years" before it
    ("TYZ24", dt.date(2031, 6, 1), dt.date(2032, 12, 1), "TY 6y6m to 8y from 1st"),
    ("TYU23", dt.date(2030, 3, 1), dt.date(2031, 9, 1), "TY 6y6m to 8y from 1st"),
    ("TYM23", dt.date(2029, 12, 1), dt.date(2033, 6, 1), "TY 6y6m to 10y from 1st (before Sep-23)"),
    ("TYZ08", dt.date(2015, 6, 1), dt.date(2018, 12, 1), "TY 6y6m to 10y from 1st (before Sep-23)"),
    # UXY: "not less than 9 years 5 months and not more than 10 years of remaining term to
    # maturity from first day of futures delivery month"
    ("UXYZ24", dt.date(2034, 5, 1), dt.date(2034, 12, 1), "UXY 9y5m to 10y from 1st"),
    # US: "not less than 15 years and less than 25 years from the first day of the futures
    # contract delivery month"
    ("USZ24", dt.date(2039, 12, 1), dt.date(2049, 11, 30), "US 15y to under 25y from 1st"),
    ("USH21", dt.date(2036, 3, 1), dt.date(2046, 2, 28), "US 15y to under 25y from 1st"),
]


@pytest.mark.parametrize("contract, first, last, rule", WINDOW_EDGES, ids=[w[0] for w in WINDOW_EDGES])
def test_window_edges_follow_the_cme_rules(contract, first, last, rule):
    got = xlfidx.is_deliverable([first - DAY, first, last, last + DAY], contract)
    assert got.tolist() == [False, True, True, False], rule
    # the one-digit ticker names the same contract wherever the bond is deliverable
    one_digit = contract[:-2] + contract[-1]
    year = int(contract[-2:]) + 2000
    assert resolve_contract(one_digit, first).year == year
    assert resolve_contract(one_digit, last).year == year
    outside = xlfidx.is_deliverable([first - DAY, last + DAY], one_digit).tolist()
    # US takes exactly ten years of maturities, so the day outside one decade's window is
    # inside the next one's (USZ14 takes 2029-12-01 to 2039-11-30)
    assert outside == ([True, True] if contract.startswith("US") else [False, False]), rule


def test_ultra_bond_has_no_upper_limit_and_bonds_before_march_2011_none_either():
    # WN: "not less than 25 years from the first day of the futures contract delivery month"
    assert xlfidx.is_deliverable(
        [dt.date(2049, 11, 30), dt.date(2049, 12, 1), dt.date(2054, 11, 15)], "WNZ24").tolist() == \
        [False, True, True]
    # US before the March 2011 contract: at least 15 years, no cap (a 29y11m bond is
    # deliverable); the 25-year cap from USH11 on
    assert xlfidx.is_deliverable(dt.date(2040, 11, 15), "USZ10") is True
    assert xlfidx.is_deliverable([dt.date(2036, 2, 29), dt.date(2036, 3, 1)], "USH11").tolist() == \
        [True, False]


def test_fvu3_resolves_to_september_2023_by_the_original_term_cap():
    # The 3.625% note of 2028-03-31 has 4y6m from 2023-09-01 (FV counts whole months): CME's
    # formula with n=4, z=6: CF = (c/2 + 1.03^-8 + (c/0.06)(1 - 1.03^-8)) / 1.03 = 0.90754
    c, disc = 0.03625, 1.03 ** -8
    assert round((c / 2 + disc + c / 0.06 * (1 - disc)) / 1.03, 4) == 0.9075
    assert xlfidx.conversion_factor(3.625, dt.date(2028, 3, 31), "FVU3") == 0.9075
    assert resolve_contract("FVU3", dt.date(2028, 3, 31)).year == 2023
    # CME: last delivery day is the third business day after the last trading day (Fri
    # 2023-09-29): Oct 2, 3, 4
    assert xlfidx.last_delivery_day("FVU3", dt.date(2028, 3, 31)) == np.datetime64("2023-10-04")
    # a 5-year note issued 2025-06-02 into FVM5, a 2-year note issued 2024-12-02 into TUZ4
    assert resolve_contract("FVM5", dt.date(2030, 5, 31)).year == 2025
    assert resolve_contract("TUZ4", dt.date(2026, 11, 30)).year == 2024
    assert resolve_contract("3YZ4", dt.date(2027, 11, 15)).year == 2024


def test_ten_year_note_is_not_deliverable_into_fv():
    # CME: FV takes notes of original term not more than 5 years 3 months; the 10-year note of
    # 2034-08-15 (issued 2024-08-15) has 9y11m left on 2024-09-01
    assert xlfidx.is_deliverable(dt.date(2034, 8, 15), "FVU24") is False
    assert xlfidx.is_deliverable(dt.date(2034, 8, 15), "FVU4") is False
    with pytest.raises(InputError, match=r"maturity = '2034-08-15' is not deliverable into FVU24 "
                                         r"\(9y11m .*original term at most 5y3m"):
        xlfidx.conversion_factor(3.875, dt.date(2034, 8, 15), "FVU24")
    with pytest.raises(InputError, match=r"maturity = '2034-08-15' is not deliverable into FVU4"):
        xlfidx.conversion_factor(3.875, dt.date(2034, 8, 15), "FVU4")


# Each root's window typed from the CME rules above: (months from the 1st of the delivery month
# to the first eligible maturity, last eligible maturity as (anchor, months)). "end": the end of
# the month that many months after the delivery month; "first": that many months after its 1st;
# "before": strictly before that. WN has no cap: a Treasury has at most 30 years to run.
def _cme_window(root: str, year: int, month: int) -> tuple[dt.date, dt.date]:
    caps = {"TU": ("end", 24), "3Y": ("end", 36), "FV": ("end", 63),
            "TY": ("first", 96 if (year, month) >= (2023, 9) else 120),
            "UXY": ("first", 120), "US": ("before", 300), "WN": ("first", 359)}
    lows = {"TU": 21, "3Y": 33, "FV": 50, "TY": 78, "UXY": 113, "US": 180, "WN": 300}
    anchor, months = caps[root]
    last = (_month_end(year, month, months) if anchor == "end"
            else _month_start(year, month, months) - (DAY if anchor == "before" else 0 * DAY))
    return _month_start(year, month, lows[root]), last


@st.composite
def _deliverable_basket(draw):
    root = draw(st.sampled_from(sorted(CONTRACTS)))
    code = draw(st.sampled_from("HMUZ"))
    # before March 2011 the bond contract had no cap, so a one-digit US year can honestly mean
    # two decades up to 2020; from 2021 on the decade before is capped too
    year = draw(st.integers(min_value=2021 if root == "US" else 2000, max_value=2069))
    month = MONTH_CODES.index(code) + 1
    first, last = _cme_window(root, year, month)
    span = (last - first).days
    n = draw(st.integers(min_value=1, max_value=6))
    maturities = [first + dt.timedelta(days=draw(st.integers(0, span))) for _ in range(n)]
    coupons = [draw(st.integers(0, 64)) / 8 for _ in range(n)]
    prices = [draw(st.floats(min_value=70.0, max_value=130.0)) for _ in range(n)]
    return root, code, year, maturities, coupons, prices


@given(basket=_deliverable_basket())
def test_one_digit_years_resolve_for_every_deliverable_bond(basket):
    root, code, year, maturities, coupons, prices = basket
    one, two = f"{root}{code}{year % 10}", f"{root}{code}{year % 100:02d}"
    for m in maturities:
        assert resolve_contract(one, m).year == year
        assert xlfidx.is_deliverable(m, one) is True
    assert xlfidx.last_delivery_day(one, maturities) == xlfidx.last_delivery_day(two)
    np.testing.assert_array_equal(xlfidx.conversion_factor(coupons, maturities, one),
                                  xlfidx.conversion_factor(coupons, maturities, two))
    # a valid basket never raises: the DLV table, with the one-digit ticker resolved by settlement
    settle = _month_start(year, MONTH_CODES.index(code) + 1, -1) + dt.timedelta(days=14)
    bonds = pd.DataFrame({"coupon": coupons, "maturity": maturities, "price": prices})
    dlv = xlfidx.BondFuture(one).dlv(bonds, 110.0, settle, 4.0)
    assert dlv.contract == two and len(dlv) == len(maturities)
    assert dlv["ctd"].sum() == 1


def test_worksheet_functions_take_one_digit_fv_tu_3y_tickers():
    from xlfidx.excel import udfs as u

    def col(values):
        return [[v] for v in values]

    assert u.CONVFACTOR(3.625, dt.datetime(2028, 3, 31), "FVU3") == 0.9075
    assert u.CONVFACTOR(3.625, dt.datetime(2028, 3, 31), "FVU3 Comdty") == \
        u.CONVFACTOR(3.625, dt.datetime(2028, 3, 31), "FVU23")
    assert u.CONVFACTOR(3.875, dt.datetime(2034, 8, 15), "FVU4").startswith("#VALUE! maturity")
    # an FVU3 basket (5-year notes of Nov-2027 to Aug-2028; prices illustrative), settle 2023-08-15
    mats = [dt.datetime(2027, 11, 30), dt.datetime(2028, 3, 31), dt.datetime(2028, 8, 31)]
    cpns, pxs, settle = [3.875, 3.625, 4.375], [97.5, 96.25, 99.75], dt.datetime(2023, 8, 15)
    table = u.DLV(col(pxs), col(cpns), col(mats), 107.5, "FVU3", settle, 5.3)
    assert isinstance(table, list) and len(table) == 4, table
    assert u.CTD(col(pxs), col(cpns), col(mats), 107.5, "FVU3", settle) in (1.0, 2.0, 3.0)
    for ticker, mat, when in (("TUZ4", dt.datetime(2026, 11, 30), dt.datetime(2024, 11, 15)),
                              ("3YZ4", dt.datetime(2027, 11, 15), dt.datetime(2024, 11, 15)),
                              ("FVM5", dt.datetime(2030, 5, 31), dt.datetime(2025, 5, 15))):
        two = ticker[:-1] + "2" + ticker[-1]
        cf = u.CONVFACTOR(4.0, mat, ticker)
        assert isinstance(cf, float) and cf == u.CONVFACTOR(4.0, mat, two)
        delivery = when + dt.timedelta(days=30)
        net = u.NETBASIS(99.0, 4.0, mat, 100.0, ticker, when, delivery, 5.0)
        assert isinstance(net, float) and net == u.NETBASIS(99.0, 4.0, mat, 100.0, cf, when, delivery, 5.0)


def test_tyz4_basket_ends_at_eight_years_as_in_bloomberg(bloomberg_dir):
    # Bloomberg's TYZ4 deliverable list (2024-08-01) has every bond xlfidx finds deliverable and
    # none of the six 10-year notes then outstanding with 8y2m to 9y5m left from 2024-12-01
    # (Feb-33, May-33, Aug-33, Nov-33, Feb-34, May-34): CME's 8-year cap since Sep-2023
    bonds = pd.read_excel(bloomberg_dir / "fut_bond_data_TYZ4_2024-08-01.xlsx", "bonds", engine="openpyxl")
    assert xlfidx.is_deliverable(bonds["maturity"].to_numpy(), "TYZ4").all()
    later_ten_years = ["2033-02-15", "2033-05-15", "2033-08-15", "2033-11-15", "2034-02-15", "2034-05-15"]
    assert not set(later_ten_years) & {str(d.date()) for d in bonds["maturity"]}
    assert not xlfidx.is_deliverable(later_ten_years, "TYZ4").any()
