"""Basis analytics against Bloomberg's DLV screens, and their invariants."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from published import USZ3_DLV, USZ3_DLV_COLUMNS, USZ3_DLV_INPUTS

import xlfidx
from xlfidx._inputs import PLAUSIBLE
from xlfidx.errors import InputError, MissingDataError

USZ3 = USZ3_DLV_INPUTS  # Bloomberg's DLV screen for USZ3: its inputs, typed in published.py


def _usz3_screen():
    return pd.DataFrame(USZ3_DLV, columns=USZ3_DLV_COLUMNS)


@pytest.fixture(scope="module")
def usz3():
    ref = _usz3_screen()
    bonds = ref.rename(columns={"coupon_pct": "coupon"})[["coupon", "maturity", "price"]]
    dlv = xlfidx.deliverable_basket(bonds, **USZ3)
    dlv["maturity"] = dlv["maturity"].dt.strftime("%Y-%m-%d")
    return ref.merge(dlv, left_on=["coupon_pct", "maturity"], right_on=["coupon", "maturity"],
                     suffixes=("_ref", ""))


def test_usz3_dlv_within_tolerance(usz3):
    assert len(usz3) == 16
    np.testing.assert_array_equal(usz3["cf"], usz3["cf_ref"])
    for ours, ref in [("gross_basis", "gross_basis_ref"), ("net_basis", "net_basis_ref"),
                      ("implied_repo", "implied_repo_pct")]:
        assert np.abs(usz3[ours] - usz3[ref]).max() <= 0.001, ours


def test_usz3_ctd_and_order(usz3):
    ref = _usz3_screen()
    bonds = ref.rename(columns={"coupon_pct": "coupon"})[["coupon", "maturity", "price"]]
    dlv = xlfidx.deliverable_basket(bonds, **USZ3)
    ctd = dlv[dlv["ctd"]]
    assert len(ctd) == 1
    assert ctd["coupon"].item() == 4.5 and str(ctd["maturity"].item().date()) == "2039-08-15"
    assert dlv["implied_repo"].is_monotonic_decreasing
    # the screen's order is the implied repo order
    assert dlv["maturity"].dt.strftime("%Y-%m-%d").tolist() == ref["maturity"].tolist()


def test_usz3_functions_agree_with_table(usz3):
    r = usz3.iloc[0]
    args = (r["price"], r["coupon"], r["maturity"])
    nb = xlfidx.net_basis(*args, 115.9688, r["cf"], "2023-11-22", "2023-12-29", 5.413)
    ir = xlfidx.implied_repo(*args, 115.9688, r["cf"], "2023-11-22", "2023-12-29")
    assert nb == pytest.approx(r["net_basis"], abs=1e-12)
    assert ir == pytest.approx(r["implied_repo"], abs=1e-12)


def test_tyz4_ctd_and_gross_basis(tyz4_xlsx):
    future, bonds = xlfidx.read_basket_export(tyz4_xlsx)
    settle = xlfidx.settlement_date(future["last_update_dt"])
    dlv = xlfidx.BondFuture(future.name).dlv(bonds, future["px_last"], settle,
                                             bonds["repo_reporate"].iloc[0])
    ctd = dlv.ctd
    assert ctd["ticker"] == "91282CKW Govt"
    assert ctd["gross_basis_32nds"] == pytest.approx(-9.6729, abs=0.001)
    assert ctd["gross_basis_32nds"] == pytest.approx(future["fut_ctd_gross_basis"], abs=1e-4)
    assert str(dlv.delivery) == "2024-12-31"
    assert len(dlv) == 8


def test_forward_with_interim_coupons_by_hand():
    # 1.25% Aug-31s from 2024-08-05 to 2024-12-31: one coupon on 2024-08-15, repo 5.375%
    p, c, m, t, T, r = 84.84375, 1.25, "2031-08-15", "2024-08-05", "2024-12-31", 5.375
    ai_t = 0.625 * 172 / 182
    ai_T = 0.625 * 138 / 184
    tau, tau1 = 148 / 360, 138 / 360
    expected = (p + ai_t) * (1 + 0.05375 * tau) - 0.625 * (1 + 0.05375 * tau1) - ai_T
    assert xlfidx.forward_price(p, c, m, t, T, r) == pytest.approx(expected, abs=1e-12)


def test_coupon_on_the_delivery_date_is_received_before_delivery():
    # the CTD of TYZ4 pays on 2024-12-31, the last delivery day: AI_T = 0 and the coupon counts
    p, c, m, t, T, r = 103.296875, 4.25, "2031-06-30", "2024-08-05", "2024-12-31", 5.375
    ai_t = xlfidx.accrued_interest(c, m, t)
    expected = (p + ai_t) * (1 + 0.05375 * 148 / 360) - 2.125
    assert xlfidx.forward_price(p, c, m, t, T, r) == pytest.approx(expected, abs=1e-12)


def test_futures_dv01_cme_example():
    assert round(xlfidx.futures_dv01(67.64, 0.9506), 2) == 71.16


def test_invoice_price():
    assert xlfidx.invoice_price(114.234375, 0.9069, 4.25, "2031-06-30", "2024-12-31") == \
        pytest.approx(114.234375 * 0.9069, abs=1e-12)


# --- properties ----------------------------------------------------------------------------

bond_case = st.fixed_dictionaries({
    "price": st.floats(min_value=60.0, max_value=140.0),
    "coupon": st.floats(min_value=0.0, max_value=9.0),
    "maturity_days": st.integers(min_value=900, max_value=11_000),
    "settle_offset": st.integers(min_value=0, max_value=3_000),
    "horizon": st.integers(min_value=1, max_value=400),  # up to 3 interim coupons
    "repo": st.floats(min_value=-1.0, max_value=12.0),
    "futures": st.floats(min_value=80.0, max_value=160.0),
    "cf": st.floats(min_value=0.5, max_value=1.3),
})


def _case(d):
    settle = np.datetime64("2018-01-02") + np.timedelta64(d["settle_offset"], "D")
    maturity = settle + np.timedelta64(d["maturity_days"], "D")
    delivery = settle + np.timedelta64(d["horizon"], "D")
    return d["price"], d["coupon"], maturity, settle, delivery, d["repo"], d["futures"], d["cf"]


@settings(max_examples=300)
@given(bond_case)
def test_net_basis_from_forward_equals_gross_minus_carry(d):
    p, c, m, t, T, r, f, k = _case(d)
    nb_fwd = xlfidx.forward_price(p, c, m, t, T, r) - k * f
    nb = xlfidx.gross_basis(p, f, k) - xlfidx.carry(p, c, m, t, T, r)
    assert nb_fwd == pytest.approx(nb, abs=1e-9)
    assert xlfidx.net_basis(p, c, m, f, k, t, T, r) == pytest.approx(nb, abs=1e-9)


def test_property_covers_interim_coupons():
    # the strategy reaches horizons with 0, 1, 2 and 3 coupons in (t, T]
    from xlfidx.bonds import coupon_count_after

    m, t = np.datetime64("2031-08-15"), np.datetime64("2024-08-05")
    counts = {int(coupon_count_after(m, t) - coupon_count_after(m, t + np.timedelta64(h, "D")))
              for h in (5, 30, 200, 400)}
    assert counts == {0, 1, 2, 3}


@settings(max_examples=300)
@given(bond_case)
def test_implied_repo_fed_back_gives_zero_net_basis(d):
    p, c, m, t, T, r, f, k = _case(d)
    ir = xlfidx.implied_repo(p, c, m, f, k, t, T)
    # a repo is an input only within its plausible range (xlfidx._inputs.PLAUSIBLE); a horizon
    # of days can imply thousands of percent, which no repo market quotes
    low, high = PLAUSIBLE["a repo rate in percent"]
    assume(low <= ir <= high)
    assert xlfidx.net_basis(p, c, m, f, k, t, T, ir) == pytest.approx(0.0, abs=1e-9)


@given(bond_case)
def test_vectorised_equals_scalar(d):
    p, c, m, t, T, r, f, k = _case(d)
    vec = xlfidx.carry(np.array([p, p + 1]), c, m, t, T, r)
    assert vec[0] == xlfidx.carry(p, c, m, t, T, r)


# --- bad input -----------------------------------------------------------------------------

GOOD = dict(price=103.296875, coupon=4.25, maturity="2031-06-30", futures_price=114.234375,
            cf=0.9069, settle="2024-08-05", delivery="2024-12-31", repo=5.375)


@pytest.mark.parametrize("field, value, error, match", [
    ("price", -1.0, InputError, r"price = -1.0 is negative"),
    ("price", "abc", InputError, r"price = 'abc' is not a price"),
    ("price", "#N/A N/A", MissingDataError, r"price = '#N/A N/A' is missing"),
    ("price", None, MissingDataError, r"price = \(blank\) is missing"),
    ("coupon", "", MissingDataError, r"coupon = \(blank\) is missing"),
    ("futures_price", "x", InputError, r"futures_price = 'x' is not a price"),
    ("cf", 0.0, InputError, r"cf = 0.0 is zero"),
    ("repo", "5%", InputError, r"repo = '5%' is text"),
    ("settle", "2025-01-31", InputError, r"delivery = '2024-12-31' must be on or after settle"),
    ("maturity", "2024-10-31", InputError, r"maturity = '2024-10-31' is not after delivery"),
])
def test_net_basis_bad_input(field, value, error, match):
    args = dict(GOOD, **{field: value})
    with pytest.raises(error, match=match):
        xlfidx.net_basis(**args)


def test_implied_repo_needs_time_to_delivery():
    with pytest.raises(InputError, match=r"delivery = '2024-08-05' must be after settle"):
        xlfidx.implied_repo(103.3, 4.25, "2031-06-30", 114.2, 0.9069, "2024-08-05", "2024-08-05")


def test_basket_bad_bond_not_deliverable():
    bonds = pd.DataFrame({"coupon": [4.25, 4.0], "maturity": ["2031-06-30", "2027-06-30"],
                          "price": [103.3, 99.0]})
    with pytest.raises(InputError, match=r"maturity\[1\] = '2027-06-30' is not deliverable into TYZ24"):
        xlfidx.deliverable_basket(bonds, 114.23, "TYZ4", "2024-08-05", 5.375)


def test_basket_prices_in_32nds_and_dates_as_serials():
    bonds = pd.DataFrame({"coupon": [4.25], "maturity": [dt.date(2031, 6, 30)], "price": ["103-09+"]})
    a = xlfidx.deliverable_basket(bonds, "114-07+", "TYZ4", 45509, 5.375)
    b = xlfidx.deliverable_basket(bonds.assign(price=103.296875), 114.234375, "TYZ24",
                                  "2024-08-05", 5.375)
    pd.testing.assert_frame_equal(a, b)
    assert a["price_32nds"].item() == "103-09+"
