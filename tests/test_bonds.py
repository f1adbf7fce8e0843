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

    from xlfidx.dates import date_to_excel_serial

    assert date_to_excel_serial(np.datetime64("2024-08-02")) == 45506.0
    a = xlfidx.accrued_interest(4.25, date_to_excel_serial(np.datetime64("2031-06-30")), 45509.0)
    b = xlfidx.accrued_interest(4.25, dt.datetime(2031, 6, 30), dt.date(2024, 8, 5))
    c = xlfidx.accrued_interest(4.25, "2031-06-30", np.datetime64("2024-08-05"))
    assert a == b == c


# --- street yield in the final coupon period (spec §2; SIFMA's standard formulas, Bloomberg
# and QuantLib): simple interest, dirty = (100 + c/2) / (1 + y·t/2), t = fraction of the period
# to maturity --------------------------------------------------------------------------------

def _simple_interest_yield(clean, coupon, days_to_maturity, days_in_period):
    """The street final-period yield in percent, written out from its definition."""
    t = days_to_maturity / days_in_period
    dirty = clean + coupon / 2.0 * (days_in_period - days_to_maturity) / days_in_period
    return 2.0 / t * ((100.0 + coupon / 2.0) / dirty - 1.0) * 100.0


def test_final_period_yield_is_simple_interest():
    # a 2.5% note maturing 2024-11-15 settled 2024-08-15 at 99.9: its last period runs
    # 2024-05-15 to 2024-11-15 (184 days), 92 of them to maturity
    expected = _simple_interest_yield(99.9, 2.5, 92, 184)
    assert expected == pytest.approx(2.884854513803, abs=1e-12)
    y = xlfidx.bond_yield(99.9, 2.5, "2024-11-15", "2024-08-15")
    assert y == pytest.approx(expected, rel=1e-13)
    # compounding over the fraction of a period would give another yield, a full bp away
    compounded = 2.0 * ((101.25 / (99.9 + 0.625)) ** (184 / 92) - 1.0) * 100.0
    assert abs(y - compounded) > 0.01
    assert bond_price(2.5, "2024-11-15", "2024-08-15", expected) == pytest.approx(99.9, abs=1e-12)


def test_final_period_and_longer_bonds_in_one_array():
    coupons = np.array([2.5, 4.25, 0.0, 4.25])
    maturities = np.array(["2024-11-15", "2034-05-15", "2025-01-31", "2025-02-15"], dtype="datetime64[D]")
    prices = np.array([99.9, 101.5, 98.75, 100.25])
    together = xlfidx.bond_yield(prices, coupons, maturities, "2024-08-15")
    alone = [xlfidx.bond_yield(p, c, m, "2024-08-15") for p, c, m in zip(prices, coupons, maturities, strict=True)]
    np.testing.assert_allclose(together, alone, rtol=1e-13)
    assert together[0] == pytest.approx(_simple_interest_yield(99.9, 2.5, 92, 184), rel=1e-13)
    # the zero-coupon bill-like note: its last period is 2024-07-31 to 2025-01-31 (184 days)
    assert together[2] == pytest.approx(_simple_interest_yield(98.75, 0.0, 169, 184), rel=1e-13)
    # settled on its last-but-one coupon date: the whole final period (184 days) to run
    assert together[3] == pytest.approx(_simple_interest_yield(100.25, 4.25, 184, 184), rel=1e-13)


@given(days=st.integers(min_value=1, max_value=181), c=st.floats(min_value=0.0, max_value=10.0),
       y=st.floats(min_value=-1.0, max_value=20.0))
def test_final_period_round_trip(days, c, y):
    settle = np.datetime64("2024-08-15")
    mat = settle + np.timedelta64(days, "D")
    prev, nxt = previous_coupon_date(mat, settle), next_coupon_date(mat, settle)
    assert nxt == mat  # the final period
    period = int((nxt - prev).astype(int))
    t = days / period
    p = bond_price(c, mat, settle, y)
    dirty = (100.0 + c / 2.0) / (1.0 + y / 100.0 * t / 2.0)
    assert p + xlfidx.accrued_interest(c, mat, settle) == pytest.approx(dirty, rel=1e-13)
    assert xlfidx.bond_yield(p, c, mat, settle) == pytest.approx(y, abs=1e-9)
    assert bond_price(c, mat, settle, xlfidx.bond_yield(p, c, mat, settle)) == pytest.approx(p, abs=1e-11)


@given(days=st.integers(min_value=1, max_value=11_000), c=st.floats(min_value=0.0, max_value=10.0),
       y=st.floats(min_value=-1.0, max_value=20.0))
def test_price_yield_round_trip_at_any_maturity(days, c, y):
    settle = np.datetime64("2024-08-05")
    mat = settle + np.timedelta64(days, "D")
    p = bond_price(c, mat, settle, y)
    y2 = xlfidx.bond_yield(p, c, mat, settle)
    assert y2 == pytest.approx(y, abs=1e-9)
    assert bond_price(c, mat, settle, y2) == pytest.approx(p, abs=1e-10)


# --- DV01 and modified duration at any yield: the analytic derivative of the street price,
# d/dy Σ CF_j (1 + y/2)^−(j+w) = −Σ (j + w)/2 · CF_j (1 + y/2)^−(j+w+1), summed term by term
# in 40-digit decimal arithmetic (and, in the final period, of (100 + c/2)/(1 + y·t/2)) -------

def _street_price_and_slope(coupon, n, days_to_next, days_in_period, yield_pct):
    """(dirty price, d dirty / d yield) per 100 face, yield in decimal, as exact Decimals."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 40
        half = Decimal(repr(coupon)) / 2
        y = Decimal(repr(yield_pct)) / 100
        w = Decimal(days_to_next) / Decimal(days_in_period)
        if n == 1:
            g = 1 + y * w / 2
            return +((100 + half) / g), -(100 + half) * w / 2 / (g * g)
        base = 1 + y / 2
        price = slope = Decimal(0)
        for j in range(n):
            flow = half + (100 if j == n - 1 else 0)
            t = j + w
            price += flow * base ** -t
            slope -= t / 2 * flow * base ** (-t - 1)
        return +price, +slope


# (coupon, maturity, coupons left after 2024-08-05, days to the next coupon, days in the period)
_RISK_BONDS = [
    (4.25, "2034-05-15", 20, 102, 184),  # 2024-05-15 .. 2024-11-15, then 19 more
    (1.25, "2050-05-15", 52, 102, 184),  # a long bond: 52 coupons to May 2050
    (2.5, "2024-11-15", 1, 102, 184),    # in its final period
]


@pytest.mark.parametrize("bond", _RISK_BONDS, ids=["10y", "26y", "final period"])
@pytest.mark.parametrize("yield_pct", [0.001, 0.0, -0.05, 1e-8, 5.0])
def test_dv01_and_duration_are_the_analytic_derivative(bond, yield_pct):
    from decimal import Decimal

    coupon, maturity, n, to_next, period = bond
    settle = "2024-08-05"
    dirty, slope = _street_price_and_slope(coupon, n, to_next, period, yield_pct)
    accrued = Decimal(repr(coupon)) / 2 * (period - to_next) / period
    clean = float(dirty - accrued)
    # per 100,000 face (1,000 × per 100), per basis point (1e-4), for a fall in yield
    assert xlfidx.bond_dv01(clean, coupon, maturity, settle) == pytest.approx(
        float(-slope / 10), rel=1e-10)
    assert xlfidx.modified_duration(clean, coupon, maturity, settle) == pytest.approx(
        float(-slope / dirty), rel=1e-10)
    assert xlfidx.bond_yield(clean, coupon, maturity, settle) == pytest.approx(yield_pct, abs=1e-11)
    assert bond_price(coupon, maturity, settle, yield_pct) == pytest.approx(clean, abs=1e-12)


def test_risk_of_many_bonds_at_once_is_the_analytic_derivative():
    # enough cash flows that the yield solve starts from the annuity's closed form: the yield,
    # DV01 and duration are still the exact kernel's, at every yield of the test above
    from decimal import Decimal

    from xlfidx import bonds

    settle = "2024-08-05"
    cases = [(bond, y) for bond in _RISK_BONDS for y in (0.001, 0.0, -0.05, 1e-8, 5.0, 20.0)]
    reps = bonds._PRESOLVE_FLOWS // (len(cases) * 52) + 1
    coupon, maturity, clean, dv01, duration, yields = [], [], [], [], [], []
    for (c, m, n, to_next, period), y in cases:
        dirty, slope = _street_price_and_slope(c, n, to_next, period, y)
        accrued = Decimal(repr(c)) / 2 * (period - to_next) / period
        coupon.append(c)
        maturity.append(m)
        clean.append(float(dirty - accrued))
        dv01.append(float(-slope / 10))
        duration.append(float(-slope / dirty))
        yields.append(y)
    args = [np.tile(np.array(v, dtype=dtype), reps) for v, dtype in
            ((clean, float), (coupon, float), (maturity, "datetime64[D]"))]
    assert args[0].size * 52 >= bonds._PRESOLVE_FLOWS
    np.testing.assert_allclose(xlfidx.bond_dv01(*args, settle), np.tile(dv01, reps), rtol=1e-10)
    np.testing.assert_allclose(xlfidx.modified_duration(*args, settle), np.tile(duration, reps),
                               rtol=1e-10)
    np.testing.assert_allclose(xlfidx.bond_yield(*args, settle), np.tile(yields, reps), rtol=0,
                               atol=1e-11)
