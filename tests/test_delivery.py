"""The delivery analytics: CTD switch scenarios, the delivery option, the calendar roll, DLV
history. Each is checked against an independent definition: the DLV table, the street-yield
price of a bond at delivery, Clark's (1961) expected minimum of two normals, a seeded Monte
Carlo, forward prices chained by hand, and the single-date DLV."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlfidx
from xlfidx.delivery import (
    calendar_roll,
    ctd_scenarios,
    ctd_switches,
    delivery_option,
    dlv_history,
    shift_grid,
)
from xlfidx.errors import InputError
from xlfidx.samples.basket import BONDS, FUTURES_PRICE, REPO_PCT

# USZ3 on 2023-11-21 (settlement 2023-11-22): the 16 deliverables, futures 115-31 and the 5.413%
# term repo, typed in from Bloomberg's published DLV screen (the shipped sample carries them)
USZ3 = pd.DataFrame(BONDS, columns=["coupon", "maturity", "price"])
USZ3_ARGS = ("USZ3", USZ3, FUTURES_PRICE, "2023-11-22", REPO_PCT)
USZ3_DELIVERY = "2023-12-29"
USZ3_LTD = "2023-12-19"  # CME: the seventh business day before the last business day of December


def _phi(z):
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _cdf(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


# --- generated baskets ---------------------------------------------------------------------------

# (contract, settlement, first day of the delivery month, deliverable months from it)
_CONTRACTS = [("TYZ24", "2024-08-05", "2024-12", 78, 95),  # 6y6m to 8y since Sep-2023 (CME)
              ("USZ23", "2023-11-22", "2023-12", 180, 299)]


@st.composite
def baskets(draw, min_size=2, max_size=8):
    """A deliverable basket priced off a smooth yield curve with noise, its futures price a
    hair under the cheapest forward / CF, and a term repo."""
    contract, settle, month, lo, hi = draw(st.sampled_from(_CONTRACTS))
    n = draw(st.integers(min_size, max_size))
    months = draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n, unique=True))
    eom = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    coupons = [0.125 * k for k in draw(st.lists(st.integers(2, 56), min_size=n, max_size=n))]
    level = draw(st.floats(1.0, 7.0))
    slope = draw(st.floats(-0.15, 0.15))
    noise = draw(st.lists(st.floats(-0.15, 0.15), min_size=n, max_size=n))
    repo = draw(st.floats(0.25, 6.5))
    first = np.datetime64(month, "M")
    mats = []
    for k, end in zip(months, eom, strict=True):
        mo = first + k
        mats.append(((mo + 1).astype("datetime64[D]") - 1) if end else mo.astype("datetime64[D]") + 14)
    mats = np.array(mats, dtype="datetime64[D]")
    years = (mats - np.datetime64(settle)).astype(int) / 365.25
    y = level + slope * (years - years.mean()) + np.array(noise)
    price = xlfidx.bond_price(coupons, mats, settle, y)
    bonds = pd.DataFrame({"coupon": coupons, "maturity": mats, "price": price})
    cf = xlfidx.conversion_factor(coupons, mats, contract)
    delivery = xlfidx.last_delivery_day(contract)
    fwd = xlfidx.forward_price(price, coupons, mats, settle, delivery, repo)
    futures = float(np.min(fwd / cf)) * (1 - draw(st.floats(0.0, 0.004)))
    return contract, bonds, futures, settle, repo


# --- scenarios -----------------------------------------------------------------------------------

def test_shift_grid():
    assert shift_grid("-100:100:25").tolist() == [-100, -75, -50, -25, 0, 25, 50, 75, 100]
    assert shift_grid("0:1:0.25").tolist() == [0, 0.25, 0.5, 0.75, 1.0]
    assert shift_grid(5).tolist() == [5.0]
    for bad in ("a:b:c", "1:2", "10:0:5", "0:10:0", "0:10:-1"):
        with pytest.raises(InputError, match="shifts_bp"):
            shift_grid(bad)
    with pytest.raises(InputError, match="shifts_bp"):
        shift_grid([])


def _zero_shift_checks(contract, bonds, futures, settle, repo):
    dlv = xlfidx.deliverable_basket(bonds, futures, contract, settle, repo)
    t = ctd_scenarios(contract, bonds, futures, settle, repo, [0.0])
    # rows come in the DLV's order; at zero shift each bond is at its forward price
    np.testing.assert_array_equal(t["coupon"], dlv["coupon"])
    np.testing.assert_array_equal(t["price_at_delivery"], dlv["fwd_price"])
    # the DLV's net basis rebased so that the futures price is the CTD's forward / CF
    ratio = dlv["net_basis"] / dlv["cf"]
    rebased = dlv["net_basis"] - dlv["cf"] * ratio.min()
    np.testing.assert_allclose(t["basis_at_delivery"], rebased, rtol=0, atol=1e-12)
    assert t["ctd"].to_numpy().nonzero()[0].tolist() == [int(np.argmin(ratio.to_numpy()))]
    return t, dlv


def test_zero_shift_is_the_usz3_dlv():
    t, dlv = _zero_shift_checks(*USZ3_ARGS)
    # Bloomberg's CTD, the 4.5% of 2039-08-15, is the CTD at delivery too
    assert t["ctd"].tolist() == dlv["ctd"].tolist()
    assert t.loc[t["ctd"], "maturity"].dt.strftime("%Y-%m-%d").item() == "2039-08-15"
    assert (t["basis_at_delivery"] >= 0).all()


def test_zero_shift_is_the_tyz4_dlv(bloomberg_dir):
    future, bonds = xlfidx.read_basket_export(bloomberg_dir / "fut_bond_data_TYZ4_2024-08-01.xlsx")
    good = bonds[bonds["problem"] == ""]
    t, dlv = _zero_shift_checks("TYZ4", good, future["px_last"], "2024-08-05", 5.375)
    assert t["ctd"].tolist() == dlv["ctd"].tolist()
    assert t.loc[t["ctd"], "coupon"].item() == 4.25  # T 4.25 06/30/31, the export's fut_ctd


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(baskets())
def test_zero_shift_is_the_dlv_rebased(basket):
    _zero_shift_checks(*basket)


def test_prices_at_delivery_are_street_yield_prices_at_the_shifted_forward_yield():
    t = ctd_scenarios(*USZ3_ARGS, "-150:150:50")
    T = USZ3_DELIVERY
    dlv = xlfidx.deliverable_basket(USZ3, FUTURES_PRICE, "USZ3", "2023-11-22", REPO_PCT)
    y_fwd = xlfidx.bond_yield(dlv["fwd_price"], dlv["coupon"], dlv["maturity"], T)
    for s, rows in t.groupby("shift_bp"):
        expect = xlfidx.bond_price(rows["coupon"], rows["maturity"], T, y_fwd + s / 100.0)
        np.testing.assert_allclose(rows["price_at_delivery"], expect, rtol=0, atol=1e-9)
        np.testing.assert_allclose(rows["forward_yield"], y_fwd + s / 100.0, rtol=0, atol=1e-9)
        f_t = np.min(expect / rows["cf"])
        np.testing.assert_allclose(rows["futures_price_at_delivery"], f_t, rtol=1e-12)
        np.testing.assert_allclose(rows["basis_at_delivery"], expect - rows["cf"] * f_t, atol=1e-9)
        np.testing.assert_allclose(rows["basis_at_delivery_32nds"], rows["basis_at_delivery"] * 32)
        assert rows.loc[rows["ctd"], "basis_at_delivery"].item() == 0.0
        dur = xlfidx.modified_duration(expect, rows["coupon"], rows["maturity"], T)
        # the public duration takes the slope at the yield solver's last iterate (1e-8 close)
        np.testing.assert_allclose(rows["duration"], dur, rtol=1e-7)


def _independent_ratio(contract, bonds, futures, settle, repo, x_bp):
    """P/CF of each bond at delivery after a parallel shift, from the public functions alone."""
    held = xlfidx.dlv_table(bonds, futures, contract, settle, repo)
    dlv, T = held.table, held.delivery
    y = xlfidx.bond_yield(dlv["fwd_price"], dlv["coupon"], dlv["maturity"], T)
    p = xlfidx.bond_price(dlv["coupon"], dlv["maturity"], T, y + x_bp / 100.0)
    return p / dlv["cf"].to_numpy()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(baskets())
def test_switch_points_are_where_two_bases_cross(basket):
    """To 0.01 bp: just below a switch the old CTD is the cheaper of the two, just above the new
    one, each repriced independently; and there the two bonds' price/CF are equal."""
    sw = ctd_switches(*basket, -200, 200)
    dlv = xlfidx.deliverable_basket(basket[1], basket[2], basket[0], basket[3], basket[4])
    key = list(zip(dlv["coupon"], dlv["maturity"], strict=True))
    for row in sw.itertuples():
        a = key.index((row.from_coupon, row.from_maturity))
        b = key.index((row.to_coupon, row.to_maturity))
        below = _independent_ratio(*basket, row.shift_bp - 0.01)
        above = _independent_ratio(*basket, row.shift_bp + 0.01)
        at = _independent_ratio(*basket, row.shift_bp)
        assert below[a] <= below[b] and above[b] <= above[a]
        assert abs(at[a] - at[b]) < 1e-9
        assert row.futures_price_at_delivery == pytest.approx(at.min(), abs=1e-9)
    assert sw["shift_bp"].is_monotonic_increasing
    # consecutive switches hand the CTD on: each starts from the bond the last one ended with
    assert (sw["from_coupon"].iloc[1:].to_numpy() == sw["to_coupon"].iloc[:-1].to_numpy()).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(baskets())
def test_duration_of_the_ctd_never_falls_as_yields_rise(basket):
    """Parallel shifts, beta 1: at every switch the futures' duration (the CTD's clean-price
    duration) jumps up; a switch to a shorter bond never happens. (Within one CTD the duration
    drifts down only by that bond's own convexity.)"""
    sw = ctd_switches(*basket, -200, 200)
    eps = 1e-6
    for x in sw["shift_bp"]:
        t = ctd_scenarios(*basket, [x - eps, x + eps])
        d = t.groupby("shift_bp")["futures_duration"].first().to_numpy()
        assert d[1] >= d[0] - 1e-9
        ctd = t[t["ctd"]]
        assert len(set(zip(ctd["coupon"], ctd["maturity"], strict=True))) == 2


def test_usz3_ctd_moves_to_longer_bonds_as_yields_rise():
    t = ctd_scenarios(*USZ3_ARGS, "-100:100:5")
    ctd = t[t["ctd"]]
    # the futures' duration never falls across a switch (Bloomberg's rule of thumb: higher
    # yields favour higher-duration bonds)
    sw = pd.DataFrame(t.attrs["switches"])
    assert len(sw) == 3 and sw["shift_bp"].between(-100, 100).all()
    zero = t[t["shift_bp"] == 0]
    duration = dict(zip(zip(zero["coupon"], zero["maturity"], strict=True), zero["duration"], strict=True))
    seq = ctd.drop_duplicates(subset=["coupon", "maturity"])
    durations = [duration[k] for k in zip(seq["coupon"], seq["maturity"], strict=True)]
    assert durations == sorted(durations)
    assert seq["coupon"].tolist() == [4.5, 4.75, 4.0, 3.375]


def test_beta_and_twist():
    beta = np.linspace(0.8, 1.2, 16)
    t = ctd_scenarios(*USZ3_ARGS, [40.0], beta=beta)
    dlv = xlfidx.deliverable_basket(USZ3, FUTURES_PRICE, "USZ3", "2023-11-22", REPO_PCT)
    # beta is given in the caller's row order; the table is in the DLV's
    order = [list(zip(USZ3["coupon"], pd.to_datetime(USZ3["maturity"]), strict=True)).index(k)
             for k in zip(dlv["coupon"], dlv["maturity"], strict=True)]
    np.testing.assert_allclose(t["yield_shift_bp"], 40.0 * beta[order], rtol=1e-12)
    tw = ctd_scenarios(*USZ3_ARGS, [10.0], twist=True)
    years = (tw["maturity"] - pd.Timestamp(USZ3_DELIVERY)).dt.days / 365.25
    moves = tw["yield_shift_bp"]
    # the longest deliverable's forward yield rises 10 bp more than the shortest's, linearly
    assert moves[years.idxmax()] - moves[years.idxmin()] == pytest.approx(10.0, abs=1e-12)
    np.testing.assert_allclose(np.diff(moves) / np.diff(years), 10.0 / np.ptp(years), rtol=1e-9)
    assert moves[tw["coupon"].eq(4.5) & years.lt(16)].item() == pytest.approx(0.0, abs=1e-12)  # CTD
    piv = ctd_scenarios(*USZ3_ARGS, [10.0], twist=True, pivot="2043-08-15")
    assert piv.loc[piv["maturity"] == pd.Timestamp("2043-08-15"), "yield_shift_bp"].item() == \
        pytest.approx(0.0, abs=1e-12)


def test_duration_repricing_is_first_order():
    t = ctd_scenarios(*USZ3_ARGS, [-30.0, 0.0, 30.0], repricing="duration")
    up, mid, down = (t[t["shift_bp"] == s]["price_at_delivery"].to_numpy() for s in (30.0, 0.0, -30.0))
    np.testing.assert_allclose(up - mid, mid - down, rtol=1e-12)


def test_scenario_errors():
    with pytest.raises(InputError, match="shifts_bp"):
        ctd_scenarios(*USZ3_ARGS, "-1e5:0:1e4")  # a forward yield below -100%
    with pytest.raises(InputError, match=r"beta = '3 values' do not match the basket \(16 bonds\)"):
        ctd_scenarios(*USZ3_ARGS, [0.0], beta=[1, 1, 1])
    with pytest.raises(InputError, match="pivot"):
        ctd_scenarios(*USZ3_ARGS, [0.0], pivot="2040-01-01")
    with pytest.raises(InputError, match="repricing"):
        ctd_scenarios(*USZ3_ARGS, [0.0], repricing="exact")
    with pytest.raises(InputError, match="hi_bp"):
        ctd_switches(*USZ3_ARGS, 10, -10)
    with pytest.raises(InputError, match="bonds"):
        ctd_scenarios("USZ3", [1, 2], FUTURES_PRICE, "2023-11-22", REPO_PCT, [0.0])


# --- the delivery option -------------------------------------------------------------------------

def test_option_is_nil_at_zero_vol_and_grows_with_vol_on_usz3():
    values = [delivery_option(*USZ3_ARGS, v).value for v in (0, 20, 50, 80, 100, 120, 200)]
    assert values[0] == 0.0
    assert all(b > a for a, b in zip(values, values[1:], strict=False))
    zero = delivery_option(*USZ3_ARGS, 0)
    assert zero.theoretical_price == pytest.approx(
        (zero.table["fwd_price"] / zero.table["cf"]).min(), abs=1e-12)
    assert zero.table["ctd_probability"].tolist() == zero.table["ctd"].astype(float).tolist()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(baskets(), st.lists(st.floats(1.0, 250.0), min_size=2, max_size=4, unique=True))
def test_option_value_is_non_negative_and_grows_with_vol(basket, vols):
    """Non-negative always. It grows with vol where that is a theorem: priced to first order in
    the yield, the option's payoff is convex in the shift, so a wider normal is worth more."""
    for v in vols:
        opt = delivery_option(*basket, v)
        assert opt.value >= 0.0 and opt.quality >= 0.0 and opt.end_of_month >= 0.0
        assert opt.value == opt.quality + opt.end_of_month
        assert opt.theoretical_price == opt.ctd_forward_over_cf - opt.value
        assert opt.table["ctd_probability"].sum() == pytest.approx(1.0, abs=1e-12)
        np.testing.assert_allclose(opt.table["option_adjusted_net_basis"],
                                   opt.table["net_basis"] - opt.table["cf"] * opt.value, atol=1e-14)
    first_order = [delivery_option(*basket, v, repricing="duration").quality for v in sorted(vols)]
    assert all(b >= a - 1e-13 for a, b in zip(first_order, first_order[1:], strict=False))
    assert delivery_option(*basket, 0.0).value == 0.0


def _clark_min(m1, s1, m2, s2, rho):
    """E[min(X1, X2)] for jointly normal X1, X2 (Clark, 1961): E[max] = m1 Φ(α) + m2 Φ(−α) + θ φ(α),
    θ² = s1² + s2² − 2ρ s1 s2, α = (m1 − m2)/θ; E[min] = m1 + m2 − E[max]."""
    theta = math.sqrt(s1 * s1 + s2 * s2 - 2 * rho * s1 * s2)
    alpha = (m1 - m2) / theta
    e_max = m1 * _cdf(alpha) + m2 * _cdf(-alpha) + theta * _phi(alpha)
    return m1 + m2 - e_max


@pytest.mark.parametrize("beta, rho", [((1.0, 1.0), 1.0), ((1.0, 1.3), 1.0), ((1.0, -0.7), -1.0)])
@pytest.mark.parametrize("vol", [40.0, 100.0, 300.0])
def test_option_equals_clark_for_two_bonds_priced_to_first_order(beta, rho, vol):
    two = USZ3.iloc[[0, 11]].reset_index(drop=True)  # the 4.5% of 2039 and the 4.375% of 2043
    args = ("USZ3", two, FUTURES_PRICE, "2023-11-22", REPO_PCT)
    opt = delivery_option(*args, vol, beta=list(beta), repricing="duration")
    dlv = xlfidx.deliverable_basket(two, FUTURES_PRICE, "USZ3", "2023-11-22", REPO_PCT)
    # each bond at delivery: forward / CF minus its DV01 / CF per bp times beta times the shift
    dv01 = xlfidx.bond_dv01(dlv["fwd_price"], dlv["coupon"], dlv["maturity"], USZ3_DELIVERY)
    b = np.array(beta)[[two["coupon"].tolist().index(c) for c in dlv["coupon"]]]
    # the quality option runs to the last trading day, 2023-12-19
    sd = vol * math.sqrt((np.datetime64(USZ3_LTD) - np.datetime64("2023-11-22")).astype(int) / 365)
    m = (dlv["fwd_price"] / dlv["cf"]).to_numpy()
    s = (dv01 / 1000.0 / dlv["cf"]).to_numpy() * np.abs(b) * sd
    e_min = _clark_min(m[0], s[0], m[1], s[1], rho)
    assert opt.ctd_forward_over_cf - opt.quality == pytest.approx(e_min, abs=1e-8)
    assert opt.quality == pytest.approx(m.min() - e_min, abs=1e-8)  # E[today's CTD] is its mean
    assert opt.quality_32nds == pytest.approx(32 * opt.quality, rel=1e-15)
    assert opt.value_32nds == pytest.approx(32 * opt.value, rel=1e-15)


def test_option_agrees_with_a_million_path_monte_carlo():
    """Full repricing of all 16 USZ3 bonds at 100 bp a year; the Monte Carlo reprices with the
    public street-yield functions. The quality option: a million shifts X to the last trading
    day (27 days); the end-of-month option: the futures price fixed there at the cheapest
    forward / CF, a further shift Z over the 10 days to delivery, the short delivering the bond
    of least cost P_i − CF_i·F; the gain over delivering the bond that was cheapest at the last
    trading day, per unit of futures (÷ its CF). Agreement within 4 standard errors."""
    vol = 100.0
    opt = delivery_option(*USZ3_ARGS, vol)
    dlv = xlfidx.deliverable_basket(USZ3, FUTURES_PRICE, "USZ3", "2023-11-22", REPO_PCT)
    T = USZ3_DELIVERY
    y = xlfidx.bond_yield(dlv["fwd_price"], dlv["coupon"], dlv["maturity"], T)
    cf = dlv["cf"].to_numpy()
    rng = np.random.default_rng(20231122)

    def prices(shift_bp):
        out = np.empty((shift_bp.size, len(dlv)))
        for i, row in enumerate(dlv.itertuples()):
            out[:, i] = xlfidx.bond_price(row.coupon, row.maturity, T, y[i] + shift_bp / 100.0)
        return out

    x = rng.standard_normal(1_000_000) * vol * math.sqrt(27 / 365)
    ratio = prices(x) / cf
    low = ratio.min(axis=1)
    c = int(np.argmin(dlv["fwd_price"] / dlv["cf"]))
    payoff = ratio[:, c] - low
    se = payoff.std(ddof=1) / math.sqrt(x.size)
    assert abs(opt.quality - payoff.mean()) < 4 * se
    who = np.bincount(np.argmin(ratio, axis=1), minlength=len(dlv)) / x.size
    p = opt.table["ctd_probability"].to_numpy()
    assert (np.abs(p - who) <= 4 * np.sqrt(np.maximum(p * (1 - p), 1e-12) / x.size) + 1e-12).all()
    # the end-of-month option on 200,000 of the paths
    k = 200_000
    star = np.argmin(ratio[:k], axis=1)
    f_fixed = low[:k]
    z = rng.standard_normal(k) * vol * math.sqrt(10 / 365)
    cost = prices(x[:k] + z) - f_fixed[:, None] * cf
    gain = (cost[np.arange(k), star] - cost.min(axis=1)) / cf[star]
    se_e = gain.std(ddof=1) / math.sqrt(k)
    assert abs(opt.end_of_month - gain.mean()) < 4 * se_e + 2e-5  # + the quadrature's 0.001/32
    assert opt.end_of_month_32nds > 0.5  # ten days of a 16-bond basket: not a rounding error


def test_theoretical_price_is_the_street_one_and_the_drifted_shifts_agree():
    """Theoretical futures = CTD forward / CF − option value (Burghardt); USZ3 at 100 bp. The
    forward / CF is the DLV's, written out; the drifted-shift price (each forward its mean at the
    last trading day) agrees within 0.01 points, and the zero-mean shifts' E[min P/CF] holds
    convexity the street price leaves out."""
    opt = delivery_option(*USZ3_ARGS, 100.0)
    dlv = xlfidx.deliverable_basket(USZ3, FUTURES_PRICE, "USZ3", "2023-11-22", REPO_PCT)
    fwd_cf = float((dlv["fwd_price"] / dlv["cf"]).min())
    assert opt.ctd_forward_over_cf == pytest.approx(fwd_cf, abs=1e-12)
    assert abs(opt.theoretical_price - (fwd_cf - opt.value)) < 0.01
    assert opt.theoretical_price == pytest.approx(fwd_cf - opt.quality - opt.end_of_month, abs=1e-12)
    assert abs(opt.theoretical_price_drifted - opt.theoretical_price) < 0.01
    s = opt.summary()
    assert s["quality_option_32nds"] + s["end_of_month_option_32nds"] == pytest.approx(
        s["option_value_32nds"], abs=1e-12)
    assert s["theoretical_price_drifted"] == opt.theoretical_price_drifted
    assert s["last_trading_day"] == USZ3_LTD and s["delivery"] == USZ3_DELIVERY
    # the check is worked out when asked for: the summary of a fresh option shows the same
    assert delivery_option(*USZ3_ARGS, 100.0).summary()["theoretical_price_drifted"] == \
        opt.theoretical_price_drifted
    # to a delivery before the last trading day there is no end-of-month option
    early = delivery_option(*USZ3_ARGS, 100.0, "2023-12-15")
    assert early.end_of_month == 0.0 and early.last_trading_day == "2023-12-15"


def test_the_price_series_is_the_street_yield_price():
    """The option prices every bond at each shift from a power series in the shift (the
    binomial series of each discount factor, its remainder bounded). Over every shift the
    option takes on USZ3 at 100 bp (±10 sd of the 27 days to the last trading day), each bond's
    price at delivery agrees with the public street-yield price at its forward yield plus the
    shift, and with the cash-flow kernel it stands in for, to 1e-12 points (slopes to 1e-13 per
    bp). Where the series would lose digits (USZ3 at 600 bp, ±2,200 bp) the kernel
    prices every shift."""
    from xlfidx.delivery import _AtDelivery

    b = _AtDelivery(*USZ3_ARGS, None)
    w = np.ones(b.n_bonds)
    reach = 10 * 100 * math.sqrt(27 / 365)
    b.expand_in_shift(w, reach)
    assert b._series is not None  # in use: the option's figures below come from it
    x = np.linspace(-reach, reach, 1001)
    series = b.at_shifts(x, w)
    kernel, slope = b.prices(x[:, None] * w * 1e-4)
    assert np.abs(series - kernel).max() < 1e-12
    dlv = xlfidx.deliverable_basket(USZ3, FUTURES_PRICE, "USZ3", "2023-11-22", REPO_PCT)
    y = xlfidx.bond_yield(dlv["fwd_price"], dlv["coupon"], dlv["maturity"], USZ3_DELIVERY)
    for i, row in enumerate(dlv.itertuples()):
        street = xlfidx.bond_price(row.coupon, row.maturity, USZ3_DELIVERY, y[i] + x / 100.0)
        assert np.abs(series[:, i] - street).max() < 1e-12
    pairs = np.arange(x.size) % b.n_bonds
    p, dp = b._series_prices(x, pairs, slopes=True)
    assert np.abs(p - kernel[np.arange(x.size), pairs]).max() < 1e-12
    assert np.abs(dp - slope[np.arange(x.size), pairs] * 1e-4).max() < 1e-13
    wide = 10 * 600 * math.sqrt(27 / 365) + 6 * 600 * math.sqrt(10 / 365)
    b.expand_in_shift(w, wide)
    assert b._series is None


@pytest.mark.parametrize("vol, beta", [(20.0, None), (100.0, None), (300.0, None),
                                       (100.0, np.linspace(0.8, 1.2, 16))])
def test_option_figures_from_the_series_are_the_kernels(monkeypatch, vol, beta):
    """The option with every price from the series against the same option with every price
    from the street-yield kernel: the quality and end-of-month options, the switch points and
    the CTD probabilities agree to 1e-12 (the switch points, solved to 1e-10 bp, to 1e-8)."""
    from xlfidx.delivery import _AtDelivery

    fast = delivery_option(*USZ3_ARGS, vol, beta=beta)
    monkeypatch.setattr(_AtDelivery, "expand_in_shift", lambda self, w, reach: None)
    exact = delivery_option(*USZ3_ARGS, vol, beta=beta)
    assert fast.quality == pytest.approx(exact.quality, abs=1e-12)
    assert fast.end_of_month == pytest.approx(exact.end_of_month, abs=1e-12)
    np.testing.assert_allclose(fast.table["ctd_probability"], exact.table["ctd_probability"],
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast.switches["shift_bp"], exact.switches["shift_bp"], rtol=0,
                               atol=1e-8)
    assert fast.theoretical_price_drifted == pytest.approx(exact.theoretical_price_drifted,
                                                           abs=1e-12)


def test_option_reports_the_ctd_and_its_units():
    opt = delivery_option(*USZ3_ARGS, 100.0)
    assert opt.ctd == "4.5% 2039-08-15"
    assert opt.value_ctd_points == pytest.approx(0.85 * opt.value, rel=1e-15)
    assert opt.ctd_net_basis == pytest.approx(opt.table.loc[opt.table["ctd"], "net_basis"].item())
    assert opt.shift_sd_bp == pytest.approx(100 * math.sqrt(27 / 365), rel=1e-12)
    assert opt.eom_shift_sd_bp == pytest.approx(100 * math.sqrt(10 / 365), rel=1e-12)
    s = opt.summary()
    assert s["ctd_option_adjusted_net_basis_32nds"] == pytest.approx(
        opt.table.loc[opt.table["ctd"], "option_adjusted_net_basis_32nds"].item(), abs=1e-12)
    assert list(opt.switches.columns)[:2] == ["shift_bp", "from_ticker"]


def test_option_errors():
    with pytest.raises(InputError, match="vol_bp"):
        delivery_option(*USZ3_ARGS, -5)
    with pytest.raises(InputError, match="vol_bp"):
        delivery_option(*USZ3_ARGS, [80, 100])
    with pytest.raises(InputError, match="vol_bp"):
        delivery_option(*USZ3_ARGS, 1e6)  # ±10 sd would put a yield below -100%


# --- the calendar roll ---------------------------------------------------------------------------

ROLL = dict(front="USZ3", back="USH4", bonds=USZ3, front_price=FUTURES_PRICE,
            back_price=116.03125, settle="2023-11-22", front_repo=REPO_PCT, back_repo=5.45)


def test_roll_by_its_definition():
    roll = calendar_roll(**ROLL)
    t, T1, T2 = "2023-11-22", "2023-12-29", "2024-03-28"
    assert (roll.front_delivery, roll.back_delivery) == (T1, T2)
    # front: the cheapest forward / CF over the USZ3 basket
    cf1 = xlfidx.conversion_factor(USZ3["coupon"], USZ3["maturity"], "USZ3")
    f1 = xlfidx.forward_price(USZ3["price"], USZ3["coupon"], USZ3["maturity"], t, T1, REPO_PCT)
    assert roll.front_theoretical == pytest.approx((f1 / cf1).min(), abs=1e-12)
    # the forward repo: (1 + r2 τ2) = (1 + r1 τ1)(1 + rf τ12), Act/360
    rf = ((1 + 0.0545 * 127 / 360) / (1 + 0.05413 * 37 / 360) - 1) * 360 / 90
    assert roll.forward_repo == pytest.approx(rf * 100, abs=1e-12)
    # back: bought forward for T1 at the front repo, carried to T2 at the forward repo
    back = USZ3[xlfidx.is_deliverable(USZ3["maturity"], "USH24")]
    assert len(back) == 15  # the 3.5% of 2039-02-15 is short of 15 years from March 2024
    p1 = xlfidx.forward_price(back["price"], back["coupon"], back["maturity"], t, T1, REPO_PCT)
    p2 = xlfidx.forward_price(p1, back["coupon"], back["maturity"], T1, T2, rf * 100)
    cf2 = xlfidx.conversion_factor(back["coupon"], back["maturity"], "USH24")
    assert roll.back_theoretical == pytest.approx((p2 / cf2).min(), abs=1e-12)
    assert roll.theoretical_spread == pytest.approx(roll.front_theoretical - roll.back_theoretical,
                                                    abs=1e-15)
    assert roll.market_spread_32nds == pytest.approx(-2.0, abs=1e-12)
    assert roll.rich_32nds == roll.market_spread_32nds - roll.theoretical_spread_32nds
    assert len(roll.back_dlv) == 15 and len(roll.front_dlv) == 16


@pytest.mark.parametrize("back_price", [115.5, 116.03125, 116.5, 117.0])
def test_theoretical_spread_at_the_implied_roll_repo_is_the_market_spread(back_price):
    roll = calendar_roll(**{**ROLL, "back_price": back_price})
    again = calendar_roll(**{**ROLL, "back_price": back_price}, roll_repo=roll.breakeven_roll_repo)
    assert again.theoretical_spread == pytest.approx(roll.market_spread, abs=1e-9)
    assert again.back_ctd == roll.back_ctd


def test_implied_roll_repo_falls_as_the_spread_widens():
    for which in ("implied_roll_repo", "breakeven_roll_repo"):
        repos = [getattr(calendar_roll(**{**ROLL, "back_price": p}), which)
                 for p in (115.5, 116.0, 116.5)]
        assert repos[0] < repos[1] < repos[2]  # a dearer back prices in more financing
    at_fair = calendar_roll(**ROLL)
    fair_back = at_fair.front_price - at_fair.theoretical_spread
    fair = calendar_roll(**{**ROLL, "back_price": fair_back})
    assert fair.breakeven_roll_repo == pytest.approx(fair.forward_repo, abs=1e-9)


def test_roll_with_separate_baskets_and_errors():
    back = USZ3[xlfidx.is_deliverable(USZ3["maturity"], "USH24")].assign(
        cf=lambda d: xlfidx.conversion_factor(d["coupon"], d["maturity"], "USH24"))
    a = calendar_roll(**ROLL)
    b = calendar_roll(**ROLL, back_bonds=back)
    assert b.theoretical_spread == pytest.approx(a.theoretical_spread, abs=1e-13)
    with pytest.raises(InputError, match="back"):
        calendar_roll(**{**ROLL, "front": "USH4", "back": "USZ3"})
    with pytest.raises(InputError, match="front_repo"):
        calendar_roll(**{**ROLL, "front_repo": [5.0, 5.1]})
    with pytest.raises(InputError, match="deliverable into the back"):
        calendar_roll(**{**ROLL, "back": "USH5", "bonds": USZ3.iloc[[15]]})


# --- DLV history ---------------------------------------------------------------------------------

def _history(n_dates=30, seed=7):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2023-10-02", periods=n_dates)
    moves = np.cumsum(rng.normal(0, 0.4, n_dates))
    px = USZ3["price"].to_numpy()[None, :] + moves[:, None] + rng.normal(0, 0.02, (n_dates, 16))
    px[min(3, n_dates - 1), 5] = np.nan  # not quoted that day
    px[min(10, n_dates - 1), :] = np.nan  # no prices at all
    prices = pd.DataFrame(px, index=dates, columns=[f"bond {i}" for i in range(16)])
    futures = FUTURES_PRICE + moves * 1.1
    repo = 5.3 + rng.normal(0, 0.05, n_dates)
    return prices, futures, repo


def test_dlv_history_equals_the_dlv_of_each_date():
    prices, futures, repo = _history()
    h = dlv_history("USZ3", prices, USZ3["coupon"], USZ3["maturity"], futures, None, repo)
    settles = xlfidx.settlement_date(prices.index.to_numpy().astype("datetime64[D]"))
    assert len(h) == prices.notna().sum().sum()
    for i, day in enumerate(prices.index):
        quoted = prices.iloc[i].notna().to_numpy()
        if not quoted.any():
            assert (h["date"] != day).all()
            continue
        bonds = USZ3[quoted].assign(price=prices.iloc[i][quoted].to_numpy(),
                                    ticker=prices.columns[quoted])
        one = xlfidx.deliverable_basket(bonds, futures[i], "USZ3", settles[i], repo[i])
        got = h[h["date"] == day].reset_index(drop=True)
        assert (got["settle"] == pd.Timestamp(settles[i])).all()
        for col in one.columns:
            if one[col].dtype.kind == "f":
                np.testing.assert_allclose(got[col], one[col], rtol=1e-12, atol=1e-12, err_msg=col)
            else:
                assert got[col].tolist() == one[col].tolist(), col
    assert h["ctd"].sum() == len(prices) - 1


def test_dlv_history_inputs():
    prices, futures, repo = _history(5)
    arr = prices.to_numpy()
    settles = xlfidx.settlement_date(prices.index.to_numpy().astype("datetime64[D]"))
    a = dlv_history("USZ3", arr, USZ3["coupon"], USZ3["maturity"], futures, settles, 5.3)
    b = dlv_history("USZ3", prices, USZ3["coupon"], USZ3["maturity"], futures, settles,
                    np.full((5, 16), 5.3))
    np.testing.assert_allclose(a["net_basis"], b["net_basis"], rtol=0, atol=0)
    assert (a["ticker"] == "").all() and b["ticker"].str.startswith("bond").all()
    with pytest.raises(InputError, match="settles"):
        dlv_history("USZ3", arr, USZ3["coupon"], USZ3["maturity"], futures, None, 5.3)
    with pytest.raises(InputError, match="prices"):
        dlv_history("USZ3", arr[:, :3], USZ3["coupon"], USZ3["maturity"], futures, settles, 5.3)
    with pytest.raises(InputError, match="futures_prices"):
        dlv_history("USZ3", arr, USZ3["coupon"], USZ3["maturity"], futures[:2], settles, 5.3)
    with pytest.raises(InputError, match="repo"):
        dlv_history("USZ3", arr, USZ3["coupon"], USZ3["maturity"], futures, settles, [5.0, 5.1])


# --- command line and chart ---------------------------------------------------------------------

def test_cli_dlv_scenarios_option_and_chart(capsys, tmp_path):
    from xlfidx.cli import main

    png = tmp_path / "charts" / "usz3.png"
    png.parent.mkdir()
    png.write_bytes(b"an older chart")
    assert main(["dlv", "--scenarios", "-100:100:25", "--plot", str(png), "--vol", "100"]) == 0
    out = capsys.readouterr().out
    assert "+0bp" in out and "-100bp" in out and "CTD" in out
    sw = ctd_switches(*USZ3_ARGS, -100, 100)
    for x in sw["shift_bp"]:
        assert f"switch at {x:+.2f} bp" in out
    opt = delivery_option(*USZ3_ARGS, 100.0)
    assert f"option value      {opt.value_32nds:.3f}/32" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in png.parent.iterdir()] == ["usz3.png"]  # no temporary file left
    assert main(["dlv", "--plot", str(png)]) == 2
    assert "needs --scenarios" in capsys.readouterr().err
    assert main(["dlv", "--scenarios", "100:-100:25"]) == 2
    assert "shifts_bp" in capsys.readouterr().err


def test_cli_roll(capsys):
    from xlfidx.cli import main

    assert main(["roll", "--back", "USH4", "--back-price", "116-01"]) == 0
    out = capsys.readouterr().out
    roll = calendar_roll(**{**ROLL, "back_repo": REPO_PCT})
    assert f"implied roll repo   {roll.implied_roll_repo:.3f}%" in out
    assert f"fair, carry only    {roll.theoretical_spread_32nds:+.3f}/32" in out
    assert "assumed equal to the front's" in out
    assert main(["roll", "--back", "USZ3", "--back-price", "116"]) == 2
    assert "back = 'USZ3'" in capsys.readouterr().err


def test_dlv_history_dates_must_settle_before_delivery():
    prices, futures, _ = _history(3)
    late = np.array(["2023-12-28", "2023-12-29", "2024-01-02"], dtype="datetime64[D]")
    with pytest.raises(InputError, match=r"settles\[1\] = '2023-12-29' is not before delivery 2023-12-29"):
        dlv_history("USZ3", prices, USZ3["coupon"], USZ3["maturity"], futures, late, 5.3)
