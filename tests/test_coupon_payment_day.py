"""An interim coupon due on a weekend or a SIFMA holiday is received on the next good business
day, and reinvested (pays down the repo) from that day, in the forward, the carry, the implied
repo and the delivery analytics.

The rule's source: 31 CFR 356.30(a) (Treasury's uniform offering circular): "If any principal or
interest payment date is a Saturday, Sunday, or other day on which the Federal Reserve System is
not open for business, we will make the payment (without additional interest) on the next
business day." The business days are SIFMA's (spec §2). The street convention (and rateslib on
the New York calendar) receives such a coupon on the next business day the same way. The
coupon still counts in the period it is due in; the accrued interest runs from the due date.
"""

from __future__ import annotations

import datetime as dt

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings

import xlfidx
from xlfidx._inputs import PLAUSIBLE

# (maturity, coupon due date, its weekday or holiday, the day it is paid): the payment days by
# the rule above on SIFMA's calendar, typed in
CASES = [
    ("2030-05-31", "2025-05-31", "Saturday", "2025-06-02"),
    ("2028-09-30", "2023-09-30", "Saturday", "2023-10-02"),
    ("2027-01-15", "2024-01-15", "Martin Luther King Jr. Day (SIFMA holiday)", "2024-01-16"),
    ("2031-06-30", "2024-06-30", "Sunday", "2024-07-01"),
]


def _by_hand(p, c, m, t, T, r, paid):
    """Seed 002's forward with one interim coupon, paid (and repaying the repo) on ``paid``:
    dirty forward = (P + AI_t)(1 + r·τ) − C(1 + r·τ_k), τ = (T − t)/360, τ_k = (T − paid)/360."""
    ai_t = xlfidx.accrued_interest(c, m, t)
    ai_T = xlfidx.accrued_interest(c, m, T)
    days = lambda a, b: (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days  # noqa: E731
    tau, tau_k = days(t, T) / 360, days(paid, T) / 360
    return (p + ai_t) * (1 + r / 100 * tau) - c / 2 * (1 + r / 100 * tau_k) - ai_T


@pytest.mark.parametrize("maturity, due, why, paid", CASES)
def test_forward_carry_and_implied_repo_receive_the_coupon_when_it_is_paid(maturity, due, why, paid):
    d = dt.date.fromisoformat(due)
    t = (d - dt.timedelta(days=40)).isoformat()
    T = (d + dt.timedelta(days=30)).isoformat()
    p, c, r = 99.5, 4.0, 5.0
    want = _by_hand(p, c, maturity, t, T, r, paid)
    assert xlfidx.forward_price(p, c, maturity, t, T, r) == pytest.approx(want, abs=1e-12)
    assert xlfidx.carry(p, c, maturity, t, T, r) == pytest.approx(p - want, abs=1e-12)
    # the old reading (reinvested from the due date) differs: the test can tell them apart
    assert abs(_by_hand(p, c, maturity, t, T, r, due) - want) > 1e-5
    # implied repo: the rate at which that forward is the invoice CF·F
    cf, f = 0.9, want / 0.9 - 0.05
    ir = xlfidx.implied_repo(p, c, maturity, f, cf, t, T)
    assert _by_hand(p, c, maturity, t, T, ir, paid) == pytest.approx(cf * f, abs=1e-10)
    assert xlfidx.net_basis(p, c, maturity, f, cf, t, T, r) == pytest.approx(want - cf * f,
                                                                             abs=1e-12)


def test_the_paid_days_are_sifma_business_days():
    from xlfidx.dates import is_business_day, roll_forward

    for _m, due, _why, paid in CASES:
        assert not is_business_day(np.datetime64(due)) and is_business_day(np.datetime64(paid))
        assert roll_forward(np.datetime64(due)) == np.datetime64(paid)


def test_dlv_and_delivery_option_use_the_payment_day():
    """FVU3 (Sep 2023): the 4.625% of 2028-09-30 pays its 2023-09-30 (Saturday) coupon on
    Monday 2023-10-02, after which it is delivered on 2023-10-04 (the third business day of October)."""
    bonds = pd.DataFrame({"coupon": [4.625, 4.125], "maturity": ["2028-09-30", "2028-07-31"],
                          "price": [100.25, 98.75]})
    t, T, r, f = "2023-08-01", "2023-10-04", 5.3, 106.0
    dlv = xlfidx.deliverable_basket(bonds, f, "FVU3", t, r).set_index("coupon")
    assert str(xlfidx.BondFuture("FVU23").last_delivery_day) == T
    want = _by_hand(100.25, 4.625, "2028-09-30", t, T, r, "2023-10-02")
    assert dlv.loc[4.625, "fwd_price"] == pytest.approx(want, abs=1e-12)
    assert dlv.loc[4.625, "net_basis"] == pytest.approx(want - dlv.loc[4.625, "cf"] * f, abs=1e-12)
    opt = xlfidx.delivery_option("FVU3", bonds, f, t, r, 0.0)
    assert opt.table.set_index("coupon").loc[4.625, "fwd_price"] == pytest.approx(want, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=3000), st.integers(min_value=1, max_value=400),
       st.floats(min_value=-1.0, max_value=12.0))
def test_net_basis_is_still_gross_minus_carry_and_a_business_day_coupon_is_unchanged(
        offset, horizon, r):
    t = np.datetime64("2018-01-02") + np.timedelta64(offset, "D")
    T = t + np.timedelta64(horizon, "D")
    m = np.datetime64("2035-05-31")
    p, c, f, k = 97.0, 3.5, 110.0, 0.8
    nb = xlfidx.gross_basis(p, f, k) - xlfidx.carry(p, c, m, t, T, r)
    assert xlfidx.net_basis(p, c, m, f, k, t, T, r) == pytest.approx(nb, abs=1e-9)
    ir = xlfidx.implied_repo(p, c, m, f, k, t, T)
    # fed back only within a repo's plausible range (xlfidx._inputs.PLAUSIBLE): a horizon of a
    # day can imply thousands of percent, which the core refuses as a repo
    low, high = PLAUSIBLE["a repo rate in percent"]
    assume(low <= ir <= high)
    assert xlfidx.net_basis(p, c, m, f, k, t, T, ir) == pytest.approx(0.0, abs=1e-9)
