"""Hedging: seed 001's CME figures, CME's ICS table, and the properties of seed 000's hedge."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from published import CME_TBA_NOTE, TBA_ICS_COLUMNS, TBA_ICS_JUL24, as_records
from scipy.optimize import minimize

import xlfidx
from xlfidx import InputError, MissingDataError
from xlfidx.hedging import (
    CME_TBA_ICS_MENU,
    hedge_contracts,
    hedge_weights,
    hedge_weights_history,
    ics_ratio,
    margin_with_offset,
    spread_pnl,
    spread_price,
    tba_dv01,
)

NAN = float("nan")

# ---------------------------------------------------------------- seed 001 / CME figures


def test_tba_dv01_seed001():
    # 5.5% 30y UMBS on 15 Apr 2024: 97.3242 and AI-Dur 4.0347 -> $39.267
    assert round(tba_dv01(97.3242, 4.0347), 3) == 39.267
    assert isinstance(tba_dv01(97.3242, 4.0347), float)


def test_tba_dv01_vectorised():
    out = tba_dv01([97.3242, 100.0], [4.0347, 5.0])
    np.testing.assert_allclose(out, [39.267395, 50.0], atol=1e-6)


def test_futures_dv01_cme_example():
    # CME: CTD DV01 $67.64 / CF 0.9506 = $71.16 (futures_dv01 lives in xlfidx.basis, issue 2)
    assert round(float(xlfidx.futures_dv01(67.64, 0.9506)), 2) == 71.16


def test_hedge_contracts():
    # $10mm of the CTD (DV01 67.64 per 100k) against the $71.16 future: 100 x CF contracts
    assert hedge_contracts(100 * 67.64, 71.16) == pytest.approx(100 * 0.9506, abs=0.01)
    assert hedge_contracts(-7116.0, 71.16) == pytest.approx(-100.0)
    np.testing.assert_allclose(hedge_contracts([711.6, 1423.2], 71.16), [10.0, 20.0])


# long TY, short 60U: $1,472; long FV, short 60U: $1,600
@pytest.mark.parametrize(("im1", "im2", "offset", "published"), CME_TBA_NOTE["margin_offsets"])
def test_margin_offsets_seed001(im1, im2, offset, published):
    # seed 001 prints the margins rounded to the dollar
    assert margin_with_offset(im1, im2, offset) == pytest.approx(published, abs=0.5)


def test_margin_formula_exact():
    assert margin_with_offset(2656, 2250, 0.70) == pytest.approx(4906 * 0.3)
    np.testing.assert_allclose(margin_with_offset([2656, 1750], 2250, [0.7, 0.6]), [1471.8, 1600.0])


# Table 2 of seed 001: 55U/ZN spread UVN 03-02, 3 TBA : 2 ZN
SPREAD_ROWS = CME_TBA_NOTE["spread_prices"]


@pytest.mark.parametrize(("day", "tba", "zn", "published"), SPREAD_ROWS)
def test_spread_price_seed001(day, tba, zn, published):
    assert spread_price(tba, zn, 3, 2) == pytest.approx(published, abs=5e-4)


def test_spread_pnl_seed001():
    # short the spread: +$3,921 in the banking crisis, -$253 over 27-29 Sep 2023
    crisis = spread_pnl(spread_price(101.016, 113.719, 3, 2), spread_price(101.219, 115.984, 3, 2),
                        "short")
    calm = spread_pnl(spread_price(96.312, 107.578, 3, 2), spread_price(96.719, 108.062, 3, 2), -1)
    assert crisis == pytest.approx(3921, abs=1e-6)
    assert calm == pytest.approx(-253, abs=1e-6)
    assert spread_pnl(75.61, 71.689, "Long") == pytest.approx(-3921, abs=1e-6)
    np.testing.assert_allclose(spread_pnl([75.61, 73.78], [71.689, 74.033], -2), [7842, -506], atol=1e-6)


def _ics_rows():
    # CME's Jul-24 UMBS / Sep-24 ZN ICS table, typed in published.py
    return as_records(TBA_ICS_COLUMNS, TBA_ICS_JUL24)


def test_ics_ratio_every_reference_row():
    rows = _ics_rows()
    assert len(rows) == 10
    for row in rows:
        got = ics_ratio(float(row["tba_dv01"]), float(row["treasury_dv01"]), CME_TBA_ICS_MENU)
        assert got == (int(row["tba_contracts"]), int(row["treasury_contracts"])), row["tba_leg"]
        assert got[0] / got[1] == pytest.approx(float(row["price_ratio"]), abs=5e-5)


def test_ics_ratio_vectorised_and_text_menu():
    rows = _ics_rows()
    menu = ["4:5", "7:8", "9:10", "6:5", "5:4", "3:2", "9:5", "2:1"]
    n_tba, n_tsy = ics_ratio([float(r["tba_dv01"]) for r in rows], 60.89, menu)
    assert n_tba.tolist() == [int(r["tba_contracts"]) for r in rows]
    assert n_tsy.tolist() == [int(r["treasury_contracts"]) for r in rows]


def test_ics_ratio_20u_is_a_rounding_tie():
    # 60.89/72.70 = 0.837551 sits 0.00005 above the 4:5/7:8 midpoint 0.8375, inside the
    # cents rounding of the DV01s: CME lists the simpler 4:5. Without the rounding band the
    # plain nearest price ratio is 7:8, so the band is what decides this row.
    assert ics_ratio(72.70, 60.89, CME_TBA_ICS_MENU) == (4, 5)
    assert ics_ratio(72.70, 60.89, CME_TBA_ICS_MENU, dv01_step=0) == (7, 8)
    # clearly on the 7:8 side: 7:8 whatever the band
    assert ics_ratio(72.00, 60.89, CME_TBA_ICS_MENU) == (7, 8)
    assert ics_ratio(73.50, 60.89, CME_TBA_ICS_MENU) == (4, 5)


def test_ics_ratio_without_menu():
    assert ics_ratio(60.0, 60.0) == (1, 1)
    assert ics_ratio(39.27, 60.89) == (8, 5)  # 1.5506: 8/5 is 0.049 away, 3/2 0.051
    assert ics_ratio(40.0, 60.0, max_leg=3) == (3, 2)
    assert ics_ratio(30.0, 60.0, menu=[(2, 1), (3, 2)]) == (2, 1)


def test_ics_ratio_nearest_without_menu_is_nearest():
    # brute force over all ratios with legs <= 10
    for b, t in [(39.27, 60.89), (72.7, 60.89), (51.79, 60.89), (27.92, 60.89), (100.0, 33.0)]:
        a, c = ics_ratio(b, t, dv01_step=0)
        best = min(abs(i / j - t / b) for i in range(1, 11) for j in range(1, 11))
        assert abs(a / c - t / b) == pytest.approx(best, abs=1e-12)


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"tba_dv01": -1.0, "treasury_dv01": 60.89}, "tba_dv01"),
    ({"tba_dv01": 72.7, "treasury_dv01": "abc"}, "treasury_dv01"),
    ({"tba_dv01": 72.7, "treasury_dv01": 60.89, "menu": ["4:5", "seven"]}, "menu"),
    ({"tba_dv01": 72.7, "treasury_dv01": 60.89, "menu": ["4:0"]}, "menu"),
    ({"tba_dv01": 72.7, "treasury_dv01": 60.89, "menu": []}, "menu"),
    ({"tba_dv01": 72.7, "treasury_dv01": 60.89, "max_leg": 2.5}, "max_leg"),
    ({"tba_dv01": 72.7, "treasury_dv01": 60.89, "max_leg": 0}, "max_leg"),
])
def test_ics_ratio_errors(kwargs, argument):
    with pytest.raises(InputError, match=argument):
        ics_ratio(**kwargs)


@pytest.mark.parametrize(("call", "argument", "value"), [
    (lambda: tba_dv01(-97.0, 4.0), "price", "-97.0"),
    (lambda: tba_dv01(97.0, "n/a?"), "duration", "'n/a?'"),
    (lambda: tba_dv01(97.0, "#N/A N/A"), "duration", "'#N/A N/A'"),
    (lambda: hedge_contracts(1000.0, 0.0), "futures_dv01", "0.0"),
    (lambda: hedge_contracts("x", 71.16), "position_dv01", "'x'"),
    (lambda: spread_price(101.0, 113.7, 0, 2), "leg1_contracts", "0.0"),
    (lambda: spread_pnl(75.61, 71.689, "sideways"), "position", "'sideways'"),
    (lambda: margin_with_offset(2656, 2250, 70), "offset", "70.0"),
    (lambda: margin_with_offset(-1, 2250, 0.7), "im_leg1", "-1.0"),
])
def test_spread_and_dv01_errors(call, argument, value):
    with pytest.raises(InputError) as info:
        call()
    assert argument in str(info.value) and value in str(info.value)


def test_missing_is_missing_data_error():
    with pytest.raises(MissingDataError, match="duration"):
        tba_dv01(97.0, "#N/A N/A")


# ---------------------------------------------------------------- seed 000: hedge_weights

DUR = [1.9, 4.2, 6.4, 8.5, 13.0, 18.0]  # TU FV TY UXY US WN, roughly


def _check_feasible(w, d_mbs, d_fut):
    d_fut = np.asarray(d_fut, dtype=float)
    listed = np.isfinite(d_fut)
    assert np.all(w >= 0.0)
    assert abs(w.sum() - 1.0) <= 1e-12
    assert abs(w[0] * d_mbs - np.sum(w[1:][listed] * d_fut[listed])) <= 1e-10
    assert np.all(w[1:][~listed] == 0.0)


def test_one_future_is_spec_formula():
    w = hedge_weights(5.0, [6.4])
    assert w[0] == pytest.approx(6.4 / 11.4, abs=1e-15)
    assert w[1] == pytest.approx(5.0 / 11.4, abs=1e-15)


def test_tilt_zero_is_adaptive_basis():
    # MBS 4.5y: FV (4.2) is closest and takes the whole short; the rest is the FV basis
    w = hedge_weights(4.5, DUR)
    np.testing.assert_allclose(w, [4.2 / 8.7, 0, 4.5 / 8.7, 0, 0, 0, 0], atol=1e-15)
    # MBS 7.5y: TY (6.4) and UXY (8.5) are 1.1 and 1.0 away: a near tie is shared, UXY largest
    w = hedge_weights(7.5, DUR)
    assert w[3] > 0 and w[4] > w[3]
    _check_feasible(w, 7.5, DUR)


def test_trend_moves_the_short():
    trend = [0.1, 0.5, -0.2, -1.5, 0.3, 0.0]
    w0 = hedge_weights(4.5, DUR, trend, 0.0)
    w2 = hedge_weights(4.5, DUR, trend, 2.0)
    assert w0[4] == 0.0 and w2[4] == pytest.approx(4.5 / 13.0)  # all in UXY's basis
    _check_feasible(w2, 4.5, DUR)


def test_missing_duration_gets_zero_weight():
    w = hedge_weights(4.5, [1.9, "#N/A N/A", 6.4, None, NAN, 18.0])
    assert w[2] == 0 and w[4] == 0 and w[5] == 0
    _check_feasible(w, 4.5, [1.9, NAN, 6.4, NAN, NAN, 18.0])
    assert w[3] > 0  # TY is now the closest


def test_missing_trend_is_no_view():
    a = hedge_weights(4.5, DUR, [0.1, NAN, -0.2, -1.5, 0.3, 0.0], 1.0)
    b = hedge_weights(4.5, DUR, [0.1, 0.0, -0.2, -1.5, 0.3, 0.0], 1.0)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("kwargs", "exc", "argument", "value"), [
    ({"mbs_duration": 0.0}, InputError, "mbs_duration", "0.0"),
    ({"mbs_duration": -3.0}, InputError, "mbs_duration", "-3.0"),
    ({"mbs_duration": "long"}, InputError, "mbs_duration", "'long'"),
    ({"mbs_duration": NAN}, MissingDataError, "mbs_duration", "NaN"),
    ({"futures_durations": [1.9, -4.2]}, InputError, "futures_durations[1]", "-4.2"),
    ({"futures_durations": [1.9, 0]}, InputError, "futures_durations[1]", "0.0"),
    ({"futures_durations": [1.9, "TY"]}, InputError, "futures_durations[1]", "'TY'"),
    ({"futures_durations": [NAN, "#N/A N/A"]}, MissingDataError, "futures_durations", "has no duration"),
    ({"trend": [0.1, "up"]}, InputError, "trend[1]", "'up'"),
    ({"trend": [0.1, 0.2, 0.3]}, InputError, "trend", "3 values"),
    ({"trend_tilt": -1.0}, InputError, "trend_tilt", "-1.0"),
    ({"smoothing": 0.0}, InputError, "smoothing", "0.0"),
])
def test_hedge_weights_errors(kwargs, exc, argument, value):
    args = {"mbs_duration": 5.0, "futures_durations": [1.9, 6.4], "trend": None, "trend_tilt": 0.0}
    args.update(kwargs)
    with pytest.raises(exc) as info:
        hedge_weights(**args)
    assert argument in str(info.value) and value in str(info.value)


# property tests

durations = st.floats(0.2, 30.0, allow_nan=False)
maybe_duration = st.one_of(durations, durations, durations, st.just(NAN))


@st.composite
def problems(draw, tilted=True):
    k = draw(st.integers(1, 8))
    d_fut = draw(st.lists(maybe_duration, min_size=k, max_size=k))
    if all(np.isnan(d_fut)):
        d_fut[draw(st.integers(0, k - 1))] = draw(durations)
    d_mbs = draw(st.floats(0.5, 15.0))
    trend = draw(st.lists(st.floats(-5.0, 5.0), min_size=k, max_size=k))
    smoothing = draw(st.sampled_from([0.25, 0.01, 0.1, 1.0, 5.0]))
    return d_mbs, d_fut, trend, smoothing


@settings(max_examples=400, deadline=None)
@given(problems(), st.floats(0.0, 20.0))
def test_property_feasible(problem, tilt):
    d_mbs, d_fut, trend, lam = problem
    w = hedge_weights(d_mbs, d_fut, trend, tilt, smoothing=lam)
    _check_feasible(w, d_mbs, d_fut)


@settings(max_examples=400, deadline=None)
@given(problems())
def test_property_tilt_zero_largest_on_closest(problem):
    d_mbs, d_fut, _, lam = problem
    w = hedge_weights(d_mbs, d_fut, smoothing=lam)
    d = np.asarray(d_fut)
    gap = np.where(np.isfinite(d), np.abs(d - d_mbs), np.inf)
    two_closest = np.argsort(gap, kind="stable")[:2]
    assert int(np.argmax(w[1:])) in two_closest or w[1:].max() == pytest.approx(
        w[1:][two_closest].max(), abs=1e-12)


@settings(max_examples=400, deadline=None)
@given(problems(), st.lists(st.floats(0.0, 30.0), min_size=2, max_size=12))
def test_property_most_negative_trend_never_falls(problem, tilts):
    d_mbs, d_fut, trend, lam = problem
    d = np.asarray(d_fut)
    tr = np.asarray(trend)
    listed = np.isfinite(d)
    low = tr[listed].min()
    losers = np.flatnonzero(listed & (tr == low))
    tilts = sorted(tilts)
    weights = np.array([hedge_weights(d_mbs, d_fut, trend, t, smoothing=lam) for t in tilts])
    for j in losers:
        assert np.all(np.diff(weights[:, 1 + j]) >= -1e-12), (j, weights[:, 1 + j])


@settings(max_examples=60, deadline=None)
@given(problems(), st.floats(0.0, 5.0))
def test_property_solves_the_stated_objective(problem, tilt):
    """The closed form is the minimiser of the objective in the docstring (checked by SLSQP)."""
    d_mbs, d_fut, trend, lam = problem
    d = np.asarray(d_fut)
    listed = np.isfinite(d)
    dl, tl = d[listed], np.asarray(trend)[listed]
    m = d_mbs / (d_mbs + dl)
    c = np.abs(dl - d_mbs) + tilt * tl

    def objective(pi):
        return pi @ c + 0.5 * lam * np.sum(m * pi * pi)

    w = hedge_weights(d_mbs, d_fut, trend, tilt, smoothing=lam)
    pi_closed = w[1:][listed] / m
    n = len(dl)
    res = minimize(objective, np.full(n, 1.0 / n), method="SLSQP", bounds=[(0, 1)] * n,
                   constraints=[{"type": "eq", "fun": lambda p: p.sum() - 1.0}],
                   options={"ftol": 1e-12, "maxiter": 500})
    assert objective(pi_closed) <= res.fun + 1e-7


@settings(max_examples=100, deadline=None)
@given(st.lists(problems(), min_size=1, max_size=6), st.floats(0.0, 10.0))
def test_property_history_matches_scalar(batch, tilt):
    k = max(len(p[1]) for p in batch)
    lam = batch[0][3]
    d_mbs = np.array([p[0] for p in batch])
    d_fut = np.full((len(batch), k), NAN)
    trend = np.zeros((len(batch), k))
    for i, p in enumerate(batch):
        d_fut[i, : len(p[1])] = p[1]
        trend[i, : len(p[2])] = p[2]
    hist = hedge_weights_history(d_mbs, d_fut, trend, tilt, smoothing=lam)
    assert hist.shape == (len(batch), 1 + k)
    for i in range(len(batch)):
        np.testing.assert_allclose(hist[i], hedge_weights(d_mbs[i], d_fut[i], trend[i], tilt, smoothing=lam),
                                   atol=1e-14)


# history form


def test_history_missing_rows_are_nan():
    d_fut = [[1.9, 4.2, NAN], [1.9, 4.3, 6.4], [NAN, NAN, NAN], [1.9, 4.2, 6.4]]
    out = hedge_weights_history([5.0, 5.4, 5.0, NAN], d_fut)
    assert out.shape == (4, 4)
    assert np.isnan(out[2]).all() and np.isnan(out[3]).all()
    _check_feasible(out[0], 5.0, d_fut[0])
    _check_feasible(out[1], 5.4, d_fut[1])


def test_history_tilt_per_day_and_single_column():
    d_fut = np.tile(DUR, (3, 1))
    trend = np.tile([0.1, 0.5, -0.2, -1.5, 0.3, 0.0], (3, 1))
    out = hedge_weights_history([4.5, 4.5, 4.5], d_fut, trend, [0.0, 2.0, 0.0])
    np.testing.assert_allclose(out[1], hedge_weights(4.5, DUR, trend[0], 2.0))
    np.testing.assert_allclose(out[0], out[2])
    one = hedge_weights_history([5.0, 6.0], [6.4, 6.5])
    np.testing.assert_allclose(one[:, 0], [6.4 / 11.4, 6.5 / 12.5])


@pytest.mark.parametrize(("kwargs", "argument", "value"), [
    ({"mbs_duration": [5.0, -1.0]}, "mbs_duration[1]", "-1.0"),
    ({"futures_durations": [[1.9, 4.2], [0.0, 6.4]]}, "futures_durations[2]", "0.0"),
    ({"futures_durations": [[1.9, 4.2], [1.9, "x"]]}, "futures_durations[3]", "'x'"),
    ({"futures_durations": [[1.9, 4.2]]}, "futures_durations", "1 rows"),
    ({"trend": [[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]}, "trend", "shape (2, 3)"),
    ({"trend_tilt": [0.0, 1.0, 2.0]}, "trend_tilt", "3 values"),
])
def test_history_errors(kwargs, argument, value):
    args = {"mbs_duration": [5.0, 5.1], "futures_durations": [[1.9, 4.2], [1.9, 6.4]],
            "trend": None, "trend_tilt": 0.0}
    args.update(kwargs)
    with pytest.raises(InputError) as info:
        hedge_weights_history(**args)
    assert argument in str(info.value) and value in str(info.value)


def test_public_api_registered():
    for name in ["tba_dv01", "ics_ratio", "hedge_contracts", "spread_price", "spread_pnl",
                 "margin_with_offset", "hedge_weights", "hedge_weights_history"]:
        assert getattr(xlfidx, name) is globals()[name]
