"""Seed 000's MBS trend-convexity backtest: no look-ahead, unlevered duration-neutral weights,
the strategies' definitions, walk-forward, metrics, errors, and the shipped sample's summary."""

from __future__ import annotations

import doctest
import importlib
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlfidx.backtest import (
    DEFAULT_TILTS,
    BacktestConfig,
    performance,
    run_backtest,
)
from xlfidx.errors import InputError
from xlfidx.samples import mbs_history
from xlfidx.trend import ewmac

FIELDS = ("PX_LAST", "CONVENTIONAL_CTD_FORWARD_FRSK", "FUT_EQV_CNVX_NOTL")


@lru_cache(maxsize=1)
def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The synthetic history straight from the generator (no workbook round trip)."""
    h = mbs_history.simulate()
    index = pd.DatetimeIndex(h["dates"].astype("datetime64[ns]"), name="date")
    mbs = pd.DataFrame({k.split()[0]: v for k, v in h["mbs"].items()}, index=index)
    fut = pd.DataFrame({(f, c): h["futures"][c][f] for f in FIELDS for c in mbs_history.CONTRACTS},
                       index=index)
    fut.columns = pd.MultiIndex.from_tuples(fut.columns, names=["field", "contract"])
    return mbs, fut


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    mbs, fut = _frames()
    return mbs.copy(), fut.copy()


@pytest.fixture(scope="module")
def full():
    mbs, fut = frames()
    return mbs, fut, run_backtest(mbs, fut)


# ---------------------------------------------------------------------------------------------
# acceptance: no look-ahead


@pytest.mark.parametrize("cut", [1500, 3100, 4200])  # before WN lists, after UXY lists, late
@pytest.mark.parametrize("how", ["delete", "change"])
def test_no_look_ahead(full, cut, how):
    """Deleting or changing every datum after day t changes no weight and no return up to t."""
    mbs, fut, res = full
    if how == "delete":
        mbs2, fut2 = mbs.iloc[: cut + 1].copy(), fut.iloc[: cut + 1].copy()
    else:
        rng = np.random.default_rng(cut)
        mbs2, fut2 = mbs.copy(), fut.copy()
        after = mbs2.index > mbs2.index[cut]
        mbs2.loc[after] = mbs2.loc[after].to_numpy() * rng.uniform(0.5, 1.5, mbs2.loc[after].shape)
        fut2.loc[after] = fut2.loc[after].to_numpy() * rng.uniform(0.5, 1.5, fut2.loc[after].shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cut before 2010: UXY and WN have no data and are skipped
        res2 = run_backtest(mbs2, fut2)
    upto = res.weights.index[: cut + 1]
    for table in ("weights", "returns", "returns_net", "turnover", "residual_duration"):
        a, b = getattr(res, table).loc[upto], getattr(res2, table).loc[upto]
        common = [c for c in a.columns if c in b.columns]
        assert len(common) == len(b.columns) > 10
        np.testing.assert_allclose(b[common].to_numpy(), a[common].to_numpy(), rtol=0, atol=1e-13,
                                   err_msg=table)
        # a contract skipped in the cut run was not held before t in the full run either
        extra = a[[c for c in a.columns if c not in b.columns]]
        assert np.nan_to_num(extra.to_numpy()).max(initial=0.0) == 0.0
    # and the data after t did matter for later days (the test can fail)
    if how == "change":
        later = res.returns.index[cut + 1:]
        assert not np.allclose(res.returns.loc[later].fillna(0), res2.returns.loc[later].fillna(0))


# ---------------------------------------------------------------------------------------------
# acceptance: every day's weights unlevered and duration neutral at t-1 durations


def test_weights_unlevered_and_duration_neutral_at_previous_close(full):
    mbs, fut, res = full
    d_mbs_prev = mbs["LUMSMD"].shift(1).to_numpy()
    d_fut_prev = fut["CONVENTIONAL_CTD_FORWARD_FRSK"][res.contracts].shift(1).to_numpy()
    checked = 0
    for name in res.summary.index:
        w = res.weights[name].to_numpy()
        live = w.sum(axis=1) > 0
        assert live.sum() > 500, name
        wl = w[live]
        assert (wl >= 0).all(), name
        np.testing.assert_allclose(wl.sum(axis=1), 1.0, atol=1e-12, err_msg=name)
        long_dur = wl[:, 0] * d_mbs_prev[live]
        short_dur = np.nansum(wl[:, 1:] * d_fut_prev[live], axis=1)
        np.testing.assert_allclose(long_dur, short_dur, atol=1e-10, err_msg=name)
        # no weight on a contract that was not listed at t-1
        assert (wl[:, 1:][np.isnan(d_fut_prev[live])] == 0).all(), name
        checked += 1
    assert checked == 6 + 2 + 21 + 1


def test_summary_has_every_strategy_row(full):
    _, _, res = full
    rows = list(res.summary.index)
    assert rows[:6] == [f"basis {c}" for c in ("TU", "FV", "TY", "UXY", "US", "WN")]
    assert rows[6:8] == ["adaptive", "trend"]
    assert rows[8:29] == [f"tilt {t:g}" for t in DEFAULT_TILTS] and len(DEFAULT_TILTS) == 21
    assert rows[29] == "walk-forward"
    assert list(res.frontier.index) == list(DEFAULT_TILTS)
    assert res.summary[["sharpe", "sharpe_net", "avg_abs_resid_dur", "ann_return_bp",
                        "max_dd_pct", "turnover", "holding_days", "corr_classic"]].notna().all().all()
    # later contracts start later
    assert res.summary.loc["basis UXY", "start"] >= pd.Timestamp("2016-01-11").date()
    assert res.summary.loc["basis WN", "start"] >= pd.Timestamp("2010-01-11").date()


# ---------------------------------------------------------------------------------------------
# acceptance: returns only over days where every input a strategy uses exists

SMALL = BacktestConfig(tilts=(0.0, 2.0, 6.0))


@lru_cache(maxsize=1)
def _small_run():
    mbs, fut = frames()
    return run_backtest(mbs, fut, SMALL)


@settings(max_examples=8, deadline=None)
@given(start=st.integers(600, 4800), length=st.integers(1, 400),
       series=st.sampled_from(["LUMSTRUU", "LUMSMD"]))
def test_no_strategy_earns_over_missing_mbs_data(start, length, series):
    mbs, fut = frames()
    stop = min(start + length, len(mbs))
    mbs.iloc[start:stop, mbs.columns.get_loc(series)] = np.nan
    res = run_backtest(mbs, fut, SMALL)
    missing = mbs[series].isna().to_numpy()
    # every strategy is long the MBS: no return on a day whose level (t or t-1) is missing,
    # no position held from a day whose level or duration is missing
    level_gone = mbs["LUMSTRUU"].isna().to_numpy()
    no_return = level_gone | np.r_[False, level_gone[:-1]]
    no_position = np.r_[True, missing[:-1]]
    for table in (res.returns, res.returns_net, res.turnover):
        assert table.to_numpy()[no_return].size == 0 or np.isnan(table.to_numpy()[no_return]).all()
    w = res.weights.xs("MBS", axis=1, level="leg").to_numpy()
    assert (w[no_position] == 0).all()
    # and outside the gap's reach nothing changed from the run on complete data
    full = _small_run()
    before = res.returns.index[:start]
    pd.testing.assert_frame_equal(res.returns.loc[before], full.returns.loc[before])
    # the strategies trade again after the data resume
    if stop < len(mbs) - 5:
        assert res.returns.iloc[stop + 1:].notna().any().all()


def test_a_contract_gap_stops_only_the_strategies_that_hold_it():
    mbs, fut = frames()
    rows = slice(3000, 3040)
    fut.iloc[rows, fut.columns.get_loc(("PX_LAST", "TY"))] = np.nan
    res, full = run_backtest(mbs, fut, SMALL), _small_run()
    # the TY basis earns nothing from the first missing day to the day after the resume
    assert res.returns["basis TY"].iloc[3000:3041].isna().all()
    assert res.returns["basis TY"].iloc[3041:].notna().all()
    assert (res.weights["basis TY"].iloc[3001:3041] == 0).all().all()
    # a strategy that never uses TY is untouched
    pd.testing.assert_series_equal(res.returns["basis TU"], full.returns["basis TU"])
    pd.testing.assert_series_equal(res.returns["basis US"], full.returns["basis US"])
    # the adaptive basis holds another contract while TY has no price, and never TY
    assert (res.weights[("adaptive", "TY")].iloc[3001:3041] == 0).all()
    assert res.returns["adaptive"].iloc[3001:3041].notna().all()
    # re-entering after the gap is not charged (the book is taken as held through it)
    assert res.turnover["basis TY"].iloc[3041] == 0.0


# ---------------------------------------------------------------------------------------------
# strategies by their definitions


def test_single_contract_basis_is_the_closed_form_and_earns_its_formula(full):
    mbs, fut, res = full
    t = 3000
    dm = mbs["LUMSMD"].iloc[t - 1]
    dty = fut[("CONVENTIONAL_CTD_FORWARD_FRSK", "TY")].iloc[t - 1]
    w = res.weights["basis TY"].iloc[t]
    assert w["MBS"] == pytest.approx(dty / (dm + dty), abs=1e-14)
    assert w["TY"] == pytest.approx(dm / (dm + dty), abs=1e-14)
    r_mbs = mbs["LUMSTRUU"].iloc[t] / mbs["LUMSTRUU"].iloc[t - 1] - 1
    r_ty = fut[("PX_LAST", "TY")].iloc[t] / fut[("PX_LAST", "TY")].iloc[t - 1] - 1
    expected = w["MBS"] * r_mbs - w["TY"] * r_ty
    assert res.returns["basis TY"].iloc[t] == pytest.approx(expected, abs=1e-15)
    assert res.returns_bp["basis TY"].iloc[t] == pytest.approx(expected / (w["MBS"] * dm) * 1e4, rel=1e-12)
    resid = w["MBS"] * mbs["LUMSMD"].iloc[t] - w["TY"] * fut[("CONVENTIONAL_CTD_FORWARD_FRSK", "TY")].iloc[t]
    assert res.residual_duration["basis TY"].iloc[t] == pytest.approx(resid, abs=1e-14)


def test_adaptive_shorts_the_closest_duration_and_trend_the_most_negative_trend(full):
    mbs, fut, res = full
    dur = fut["CONVENTIONAL_CTD_FORWARD_FRSK"][res.contracts]
    trend = ewmac(fut["PX_LAST"][res.contracts])
    adaptive = res.weights["adaptive"][res.contracts]
    trend_w = res.weights["trend"][res.contracts]
    for t in range(400, len(mbs), 97):
        gap = (dur.iloc[t - 1] - mbs["LUMSMD"].iloc[t - 1]).abs()
        assert adaptive.iloc[t].idxmax() == gap.idxmin()
        assert (adaptive.iloc[t] > 0).sum() == 1
        assert trend_w.iloc[t].idxmax() == trend.iloc[t - 1].dropna().idxmin()


def test_tilt_zero_is_close_to_adaptive_and_large_tilt_leans_on_trend(full):
    _, _, res = full
    assert res.summary.loc["tilt 0", "corr_classic"] > 0.99
    gap = res.summary["avg_duration_gap"]
    assert gap["tilt 10"] > 3 * gap["tilt 0"]
    assert res.summary.loc["adaptive", "corr_classic"] == pytest.approx(1.0)


def test_walk_forward_uses_the_best_in_sample_tilt_of_past_years_only(full):
    _, _, res = full
    net = res.returns_net
    wf = res.walk_forward
    assert len(wf) >= 15 and wf.index.min() >= 2008
    for year, row in wf.iterrows():
        past = net.loc[: f"{year - 1}-12-31", [f"tilt {t:g}" for t in DEFAULT_TILTS]]
        sharpe = past.mean() / past.std() * np.sqrt(252)
        assert row["tilt"] == float(sharpe.idxmax().split()[1])
        assert row["in_sample_sharpe_net"] == pytest.approx(sharpe.max(), rel=1e-9)
        # the weights of that year are the chosen tilt's
        days = res.weights.index.year == year
        np.testing.assert_array_equal(res.weights["walk-forward"].loc[days].to_numpy(),
                                      res.weights[f"tilt {row['tilt']:g}"].loc[days].to_numpy())
    assert res.returns["walk-forward"].loc[: f"{wf.index.min() - 1}-12-31"].isna().all()


def test_costs_are_charged_per_unit_of_turnover():
    mbs, fut = frames()
    free = run_backtest(mbs, fut, BacktestConfig(cost_bp=0.0, tilts=(0.0, 2.0)))
    paid = run_backtest(mbs, fut, BacktestConfig(cost_bp=2.5, tilts=(0.0, 2.0)))
    pd.testing.assert_frame_equal(free.returns, free.returns_net)
    diff = (paid.returns - paid.returns_net).to_numpy()
    np.testing.assert_allclose(diff, 2.5e-4 * paid.turnover.to_numpy(), atol=1e-15)
    assert (paid.summary["sharpe_net"] <= paid.summary["sharpe"] + 1e-12).all()
    # a one-contract basis trades little; the trend strategy switches contracts often
    assert paid.summary.loc["trend", "turnover"] > 5 * paid.summary.loc["basis TY", "turnover"]


def test_convexity_scatter_rises_with_duration(full):
    _, _, res = full
    cv = res.convexity
    assert list(cv.index) == ["TU", "FV", "TY", "UXY", "US", "WN"]
    assert cv["avg_ctd_convexity"].is_monotonic_increasing
    assert np.corrcoef(cv["avg_ctd_convexity"], cv["avg_abs_resid_dur"])[0, 1] > 0.8


def test_seed_000_linear_programme_gives_the_same_basis(full):
    """Seed 000 solves each day's hedge as an LP; the closed form must agree."""
    from scipy.optimize import linprog

    mbs, fut, res = full
    for t in (600, 2500, 5000):
        dm = mbs["LUMSMD"].iloc[t - 1]
        for c in ("TU", "TY", "US"):
            dc = fut[("CONVENTIONAL_CTD_FORWARD_FRSK", c)].iloc[t - 1]
            # min s  s.t.  |w_m dm - w_f dc| <= s,  w_m + w_f = 1,  w >= 0
            lp = linprog([0, 0, 1], A_ub=[[dm, -dc, -1], [-dm, dc, -1]], b_ub=[0, 0],
                         A_eq=[[1, 1, 0]], b_eq=[1], bounds=[(0, 1), (0, 1), (0, None)], method="highs")
            w = res.weights[f"basis {c}"].iloc[t]
            assert lp.x[0] == pytest.approx(w["MBS"], abs=1e-9)
            assert lp.x[1] == pytest.approx(w[c], abs=1e-9)


# ---------------------------------------------------------------------------------------------
# metrics


def test_performance_by_hand():
    r = np.array([0.01, -0.02, 0.015, np.nan, 0.005])
    m = performance(r, r * 1e4, residual_duration=[0.1, -0.2, 0.0, np.nan, 0.1],
                    turnover=[0.0, 0.5, 0.0, np.nan, 0.5], classic=[0.01, -0.01, 0.01, 0.0, 0.0])
    rr = r[~np.isnan(r)]
    assert m["days"] == 4
    assert m["ann_return_pct"] == pytest.approx(rr.mean() * 252 * 100)
    assert m["ann_vol_pct"] == pytest.approx(rr.std(ddof=1) * np.sqrt(252) * 100)
    assert m["sharpe"] == pytest.approx(rr.mean() / rr.std(ddof=1) * np.sqrt(252))
    assert m["max_dd_pct"] == pytest.approx(-2.0)  # 1.01 -> 0.9898
    assert m["max_dd_bp"] == pytest.approx(-200.0)
    assert m["avg_abs_resid_dur"] == pytest.approx(0.1)
    assert m["turnover"] == pytest.approx(0.25 * 252)
    assert m["holding_days"] == pytest.approx(8.0)
    assert m["corr_classic"] == pytest.approx(np.corrcoef(rr, [0.01, -0.01, 0.01, 0.0])[0, 1])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-0.05, 0.05), min_size=3, max_size=60), st.floats(0.1, 10))
def test_performance_properties(values, scale):
    r = np.array(values)
    m = performance(r)
    assert m["max_dd_pct"] <= 0
    if r.std() > 1e-6:
        assert performance(r * scale)["sharpe"] == pytest.approx(m["sharpe"], rel=1e-6)


def test_ewmac_uses_only_past_prices():
    mbs, fut = frames()
    px = fut["PX_LAST"]
    full_trend = ewmac(px)
    cut = ewmac(px.iloc[:2000])
    pd.testing.assert_frame_equal(full_trend.iloc[:2000], cut, rtol=0, atol=1e-14)
    assert full_trend.iloc[:31].isna().all().all()  # no speed warm before 32 days
    assert full_trend.abs().max().max() <= 2.0


# ---------------------------------------------------------------------------------------------
# bad input


def test_non_date_index_is_named():
    mbs, fut = frames()
    with pytest.raises(InputError, match=r"mbs\.index = 0 is not a date index"):
        run_backtest(mbs.reset_index(drop=True), fut)


def test_missing_mbs_column_is_named():
    mbs, fut = frames()
    with pytest.raises(InputError, match="LUMSMD"):
        run_backtest(mbs.drop(columns="LUMSMD"), fut)


def test_non_positive_duration_is_named():
    mbs, fut = frames()
    fut.iloc[700, fut.columns.get_loc(("CONVENTIONAL_CTD_FORWARD_FRSK", "FV"))] = -4.2
    with pytest.raises(InputError, match=r"FV CONVENTIONAL_CTD_FORWARD_FRSK on 2006-10-.* = -4\.2"):
        run_backtest(mbs, fut)


def test_contract_without_data_is_skipped_with_a_warning_and_the_run_goes_on():
    mbs, fut = frames()
    for f in FIELDS:
        fut[(f, "UXY")] = np.nan
    with pytest.warns(UserWarning, match="contract UXY skipped: no data"):
        res = run_backtest(mbs, fut, BacktestConfig(tilts=(0.0, 1.0)))
    assert res.contracts == ["TU", "FV", "TY", "US", "WN"]
    assert "basis UXY" not in res.summary.index
    assert any("UXY" in n for n in res.notes)


@pytest.mark.parametrize("kwargs, argument", [
    ({"tilts": (-1.0,)}, "tilts"), ({"tilts": ()}, "tilts"), ({"tilts": ("x",)}, "tilts"),
    ({"cost_bp": -1.0}, "cost_bp"), ({"spans": ((32, 8),)}, "spans"), ({"min_train_years": 0}, "min_train_years"),
])
def test_bad_config_is_named(kwargs, argument):
    with pytest.raises(InputError, match=argument):
        BacktestConfig(**kwargs)


def test_a_dict_of_contract_frames_is_accepted():
    mbs, fut = frames()
    as_dict = {c: fut.xs(c, axis=1, level="contract") for c in ("TY", "US")}
    res = run_backtest(mbs, as_dict, BacktestConfig(tilts=(0.0,)))
    assert res.contracts == ["TY", "US"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ref = run_backtest(mbs, fut.loc[:, (slice(None), ["TY", "US"])], BacktestConfig(tilts=(0.0,)))
    pd.testing.assert_frame_equal(res.returns, ref.returns)


# ---------------------------------------------------------------------------------------------
# docs and the shipped sample


@pytest.mark.parametrize("name", [
    pytest.param("backtest", marks=pytest.mark.needs("python_calamine")), "trend",
    pytest.param("bloomberg.history", marks=pytest.mark.needs("python_calamine")), "backtest_plot"])
def test_docstring_examples(name):
    module = importlib.import_module(f"xlfidx.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.filterwarnings("ignore:contract")
def test_progress_is_reported():
    mbs, fut = frames()
    seen = []
    run_backtest(mbs.iloc[:800], fut.iloc[:800], BacktestConfig(tilts=(0.0, 1.0, 2.0)),
                 progress=lambda f, msg: seen.append((f, msg)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert any("tilt 2" in msg for _, msg in seen)
