"""The trader objects (Treasury, BondFuture, DeliverableBasket) equal the functional API.

Sources: Bloomberg's USZ3 DLV screen and the TYZ4 basket export's `int_acc` (typed in
``published.py``); every other assertion compares the object API with the functions it wraps on
the same inputs, over generated deliverable bonds of every contract (CME's windows, typed in
``test_futures.py``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from published import TYZ4_BOND_FIELDS, TYZ4_BONDS, USZ3_DLV, USZ3_DLV_COLUMNS, USZ3_DLV_INPUTS
from test_futures import _deliverable_basket

import xlfidx
from xlfidx import BondFuture, DeliverableBasket, Treasury
from xlfidx.errors import InputError


def test_usz3_dlv_through_the_object_reproduces_bloombergs_screen():
    screen = pd.DataFrame(USZ3_DLV, columns=USZ3_DLV_COLUMNS)
    bonds = screen.rename(columns={"coupon_pct": "coupon"})[["coupon", "maturity", "price"]]
    dlv = BondFuture("USZ3").dlv(bonds, futures_price=115.9688, settle=dt.date(2023, 11, 22),
                                 repo=5.413)
    assert str(dlv.delivery) == USZ3_DLV_INPUTS["delivery"]  # the last delivery day by default
    assert dlv.ctd["coupon"] == 4.5 and str(dlv.ctd["maturity"].date()) == "2039-08-15"
    got = dlv.table.set_index(["coupon", dlv.table["maturity"].dt.strftime("%Y-%m-%d")])
    for row in screen.itertuples(index=False):
        r = got.loc[(row.coupon_pct, row.maturity)]
        assert r["cf"] == row.cf
        assert abs(r["gross_basis"] - row.gross_basis) <= 0.001
        assert abs(r["net_basis"] - row.net_basis) <= 0.001
        assert abs(r["implied_repo"] - row.implied_repo_pct) <= 0.001


def test_treasury_accrued_is_the_tyz4_exports_int_acc():
    row = dict(zip(TYZ4_BOND_FIELDS, TYZ4_BONDS[6], strict=True))  # T 4.25 06/30/31, the CTD
    t = Treasury(coupon=4.25, maturity=dt.date(2031, 6, 30))
    assert (row["cpn"], row["maturity"]) == (4.25, "2031-06-30")
    assert t.accrued_interest(dt.date(2024, 8, 5)) == pytest.approx(row["int_acc"], abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(basket=_deliverable_basket(), repo=st.floats(0.0, 8.0), fut=st.floats(80.0, 130.0))
def test_object_and_functional_api_agree_for_every_root(basket, repo, fut):
    root, code, year, maturities, coupons, prices = basket
    one = f"{root}{code}{year % 10}"
    month = "FGHJKMNQUVXZ".index(code) + 1
    settle = dt.date(year, month, 1) - dt.timedelta(days=20)
    future = BondFuture(one, settle=settle)
    assert future.ticker == f"{root}{code}{year % 100:02d}"
    assert future.last_delivery_day == xlfidx.last_delivery_day(one, maturities)
    assert future.first_delivery_day == xlfidx.first_delivery_day(one, maturities)
    assert future.last_trading_day == xlfidx.last_trading_day(one, maturities)
    np.testing.assert_array_equal(future.conversion_factor(coupons, maturities),
                                  xlfidx.conversion_factor(coupons, maturities, one))
    np.testing.assert_array_equal(future.is_deliverable(maturities),
                                  xlfidx.is_deliverable(maturities, one))
    bonds = pd.DataFrame({"coupon": coupons, "maturity": maturities, "price": prices})
    table = future.dlv(bonds, fut, settle, repo).table
    pd.testing.assert_frame_equal(table, xlfidx.deliverable_basket(bonds, fut, one, settle, repo))
    # a basket object carries the same inputs as its defaults
    held = DeliverableBasket(one, bonds.assign(problem=""), fut, settle, repo)
    pd.testing.assert_frame_equal(held.dlv().table.drop(columns="problem"), table)
    cf = xlfidx.conversion_factor(coupons, maturities, one)
    np.testing.assert_allclose(
        future.invoice_price(fut, coupons, maturities),
        xlfidx.invoice_price(fut, cf, coupons, maturities, future.last_delivery_day), rtol=0)
    ctd = table.iloc[0]
    assert future.futures_dv01(bonds, fut, settle, repo) == ctd["dv01"] / ctd["cf"]
    for c, m, p in zip(coupons, maturities, prices, strict=True):
        t = Treasury(coupon=c, maturity=m)
        assert t.accrued_interest(settle) == xlfidx.accrued_interest(c, m, settle)
        assert t.yield_pct(p, settle) == xlfidx.bond_yield(p, c, m, settle)
        assert t.dv01(p, settle) == xlfidx.bond_dv01(p, c, m, settle)
        assert t.modified_duration(p, settle) == xlfidx.modified_duration(p, c, m, settle)
        assert t.clean_price(4.0, settle) == xlfidx.bond_price(c, m, settle, 4.0)


def test_treasury_coupon_dates_follow_the_end_of_month_rule():
    # spec §2: a bond maturing on the last day of a month pays on the last day of each month
    t = Treasury(coupon=4.25, maturity=dt.date(2031, 6, 30))
    dates = [str(d) for d in t.coupon_dates(dt.date(2030, 1, 1))]
    assert dates == ["2030-06-30", "2030-12-31", "2031-06-30"]


def test_basket_keeps_bad_rows_with_their_problem():
    bonds = pd.DataFrame({"ticker": ["A", "B"], "coupon": [4.5, 3.5],
                          "maturity": ["2039-08-15", "2039-02-15"], "price": [98.6641, np.nan],
                          "problem": ["", "px_last = '#N/A N/A' is missing"]})
    dlv = DeliverableBasket("USZ3", bonds, 115.9688, dt.date(2023, 11, 22), 5.413).dlv()
    assert list(dlv["ticker"]) == ["A", "B"] and dlv.table["ctd"].tolist() == [True, False]
    assert dlv["problem"].tolist() == ["", "px_last = '#N/A N/A' is missing"]
    assert np.isnan(dlv["net_basis"].iloc[1]) and np.isfinite(dlv["net_basis"].iloc[0])


def test_object_errors_name_the_argument():
    with pytest.raises(InputError, match="contract = 'TYQ' is not a Treasury futures ticker"):
        BondFuture("TYQ")
    with pytest.raises(InputError, match="coupon = -1.0 is negative"):
        Treasury(coupon=-1, maturity=dt.date(2031, 6, 30))
    with pytest.raises(InputError, match=r"futures_price = \(blank\) is needed"):
        BondFuture("USZ3").dlv(pd.DataFrame({"coupon": [4.5], "maturity": ["2039-08-15"],
                                             "price": [98.0]}))


def test_dlv_prints_like_the_command_line_and_shows_html():
    bonds = pd.DataFrame({"coupon": [4.5], "maturity": ["2039-08-15"], "price": [98.6641]})
    dlv = BondFuture("USZ3").dlv(bonds, 115.9688, dt.date(2023, 11, 22), 5.413)
    text = str(dlv)
    assert text.splitlines()[0].startswith("USZ23  futures 115.968800  settle 2023-11-22")
    assert "98-212" in text and text.splitlines()[-1].rstrip().endswith("CTD")
    assert "<table" in dlv._repr_html_()


def test_bond_future_scenarios_and_option_take_the_basket_or_the_market():
    """The object methods equal the functions of xlfidx.delivery on the same inputs, with a
    DeliverableBasket standing in for the four market arguments."""
    from xlfidx.delivery import ctd_scenarios, delivery_option

    screen = pd.DataFrame(USZ3_DLV, columns=USZ3_DLV_COLUMNS)
    bonds = screen.rename(columns={"coupon_pct": "coupon"})[["coupon", "maturity", "price"]]
    settle = dt.date(2023, 11, 22)
    basket = DeliverableBasket("USZ3", bonds.assign(problem=""), 115.9688, settle, 5.413)
    us = BondFuture("USZ3")
    direct = ctd_scenarios("USZ3", bonds, 115.9688, settle, 5.413, [-50, 0, 50])
    pd.testing.assert_frame_equal(us.ctd_scenarios(basket, shifts_bp=[-50, 0, 50]), direct)
    pd.testing.assert_frame_equal(
        us.ctd_scenarios(bonds, 115.9688, settle, 5.413, shifts_bp=[-50, 0, 50]), direct)
    opt = us.delivery_option(basket, vol_bp=100)
    assert opt.value_32nds == delivery_option("USZ3", bonds, 115.9688, settle, 5.413, 100).value_32nds
    assert set(opt.table.columns) >= {"coupon", "maturity", "ctd_probability",
                                      "option_adjusted_net_basis"}
    assert opt.value_32nds > 0 and opt.theoretical_price > 0


def test_fed_funds_chain_is_the_functions_on_its_own_data():
    # CME FedWatch's Sep-2015 worked example (spec §5): FFQ5 99.8675, FFU5 99.805, meeting on
    # the 17th -> end rate 0.26643, P(hike 25 bp) = 53.6%
    chain = xlfidx.FedFundsChain(prices=[99.8675, 99.805], expiries=["2015-08-31", "2015-09-30"],
                                 meetings=["2015-09-17"], spot_rate=0.1325)
    path = chain.path()
    assert path["rate after %"].iloc[0] == pytest.approx(0.26643, abs=1e-5)
    assert path["P(move high) %"].iloc[0] == pytest.approx(53.57, abs=0.01)
    args = ([99.8675, 99.805], ["2015-08-31", "2015-09-30"], ["2015-09-17"], 0.1325)
    pd.testing.assert_frame_equal(path, xlfidx.fed_path(*args))
    pd.testing.assert_frame_equal(chain.probabilities(), xlfidx.fed_probabilities(*args))
    pd.testing.assert_frame_equal(chain.path_by_month(), xlfidx.fed_path_by_month(*args))


def test_fed_chain_from_the_sample_export_carries_its_context():
    from xlfidx.samples import sample_path

    export = xlfidx.read_fedfutures_export(sample_path("fedfutures_sample.xlsx"))
    chain = export.fed_chain()
    assert chain.pricing_date == "2025-04-30" and chain.spot_rate == 4.33
    assert "effective" in chain.spot_source
    pd.testing.assert_frame_equal(chain.path(), export.fed_path())
