"""Treasury coupon schedule, accrued interest, settlement, yield and risk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import xlfidx
from xlfidx.bonds import bond_price, next_coupon_date, previous_coupon_date
from xlfidx.errors import InputError


def test_tyz4_accrued_at_t_plus_1_matches_int_acc(tyz4_xlsx):
    bonds = pd.read_excel(tyz4_xlsx, "bonds", engine="openpyxl")
    settle = xlfidx.settlement_date(bonds["last_update_dt"].iloc[0])
    assert settle == np.datetime64("2024-08-05")
    ai = xlfidx.accrued_interest(bonds["cpn"], bonds["maturity"], settle)
    assert len(ai) == 8
    np.testing.assert_allclose(ai, bonds["int_acc"].to_numpy(), rtol=0, atol=1e-6)


def test_tyz4_next_coupon_dates(tyz4_xlsx):
    bonds = pd.read_excel(tyz4_xlsx, "bonds", engine="openpyxl")
    nxt = next_coupon_date(bonds["maturity"].to_numpy(), np.datetime64("2024-08-02"))
    np.testing.assert_array_equal(nxt, bonds["nxt_cpn_dt"].to_numpy().astype("datetime64[D]"))


def test_end_of_month_rule():
    assert previous_coupon_date("2031-06-30", "2024-08-05") == np.datetime64("2024-06-30")
    assert next_coupon_date("2031-06-30", "2024-08-05") == np.datetime64("2024-12-31")
    assert next_coupon_date("2026-02-28", "2025-08-05") == np.datetime64("2025-08-31")
    # a maturity on the 30th of a 31-day month is not month-end
    assert next_coupon_date("2026-05-30", "2025-08-05") == np.datetime64("2025-11-30")
    # a coupon date is its own previous coupon: nothing accrued
    assert xlfidx.accrued_interest(4.25, "2031-06-30", "2024-12-31") == 0.0


def test_settlement_skips_sifma_holidays():
    assert xlfidx.settlement_date("2024-07-03") == np.datetime64("2024-07-05")  # July 4th
    assert xlfidx.settlement_date("2024-10-11") == np.datetime64("2024-10-15")  # Columbus Day
    assert xlfidx.settlement_date("2024-03-28") == np.datetime64("2024-04-01")  # Good Friday


def test_price_yield_round_trip_and_par():
    assert bond_price(6.0, "2034-06-30", "2024-06-30", 6.0) == pytest.approx(100.0, abs=1e-12)
    y = xlfidx.bond_yield(103.296875, 4.25, "2031-06-30", "2024-08-05")
    assert bond_price(4.25, "2031-06-30", "2024-08-05", y) == pytest.approx(103.296875, abs=1e-10)


def test_modified_duration_near_bloomberg(tyz4_xlsx):
    bonds = pd.read_excel(tyz4_xlsx, "bonds", engine="openpyxl")
    d = xlfidx.modified_duration(bonds["px_last"], bonds["cpn"], bonds["maturity"], "2024-08-05")
    # Bloomberg's dur_adj_mid is its own yield convention: agree to a thousandth of a year
    np.testing.assert_allclose(d, bonds["dur_adj_mid"].to_numpy(), atol=2e-3)


@given(y=st.floats(min_value=0.5, max_value=12.0), c=st.floats(min_value=0.0, max_value=10.0),
       days=st.integers(min_value=200, max_value=10_000))
def test_dv01_is_the_price_slope(y, c, days):
    settle = np.datetime64("2024-08-05")
    mat = settle + np.timedelta64(days, "D")
    p = bond_price(c, mat, settle, y)
    dv01 = xlfidx.bond_dv01(p, c, mat, settle)
    bumped = (bond_price(c, mat, settle, y - 0.005) - bond_price(c, mat, settle, y + 0.005)) / 1.0
    assert dv01 == pytest.approx(bumped * 1000.0, rel=1e-5)  # per 100,000 face, per bp
    assert xlfidx.bond_yield(p, c, mat, settle) == pytest.approx(y, abs=1e-9)


def test_matured_bond_is_an_error():
    with pytest.raises(InputError, match=r"maturity = '2024-01-15' is not after settle"):
        xlfidx.accrued_interest(4.0, "2024-01-15", "2024-08-05")


def test_excel_serials_and_datetimes_agree():
    import datetime as dt

    from xlfidx._inputs import date_to_excel_serial

    assert date_to_excel_serial(np.datetime64("2024-08-02")) == 45506.0
    a = xlfidx.accrued_interest(4.25, date_to_excel_serial(np.datetime64("2031-06-30")), 45509.0)
    b = xlfidx.accrued_interest(4.25, dt.datetime(2031, 6, 30), dt.date(2024, 8, 5))
    c = xlfidx.accrued_interest(4.25, "2031-06-30", np.datetime64("2024-08-05"))
    assert a == b == c
