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
    ok = xlfidx.is_deliverable(["2031-06-30", "2029-06-30", "2034-12-01", "2034-12-02"], "TYZ24")
    assert ok.tolist() == [True, False, True, False]  # 6y6m to 10y from 2024-12-01
    assert xlfidx.is_deliverable("2049-11-15", "USZ24") is True   # 24y11m: under 25y
    assert xlfidx.is_deliverable("2049-12-01", "USZ24") is False  # 25y: the Ultra's
    assert xlfidx.is_deliverable("2049-12-01", "WNZ24") is True
    # original term over 5y3m is not deliverable into FV even with the right remaining term
    assert xlfidx.is_deliverable("2029-11-30", "FVZ24", issue_date="2024-11-30") is True
    assert xlfidx.is_deliverable("2029-11-15", "FVZ24", issue_date="2019-11-15") is False


@given(
    years=st.integers(min_value=7, max_value=9),
    halves=st.integers(min_value=0, max_value=1),
    delivery=st.sampled_from(["H", "M", "U", "Z"]),
    yy=st.integers(min_value=15, max_value=35),
)
def test_cf_of_six_percent_coupon_is_one_on_whole_half_years(years, halves, delivery, yy):
    month = MONTH_CODES.index(delivery) + 1
    start = dt.date(2000 + yy, month, 1)
    total = years * 12 + halves * 6
    y, m = divmod(start.month - 1 + total, 12)
    maturity = dt.date(start.year + y, m + 1, 1)
    assert xlfidx.conversion_factor(6.0, maturity, f"TY{delivery}{yy:02d}") == 1.0
    assert xlfidx.conversion_factor(6.0, maturity, f"FV{delivery}{yy:02d}") == 1.0


@given(coupon=st.floats(min_value=0.125, max_value=8.0), months=st.integers(min_value=78, max_value=119))
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
