"""SOFR futures (SR1, SR3): the contracts against their definitions, and the FOMC path fitted to them.

The definitions are CME's (rulebook chapter 460, One-Month SOFR futures: 100 minus the arithmetic
average of daily SOFR over the contract month, a day that is not a business day taking the rate of
the business day before it; chapter 459, Three-Month SOFR futures: 100 minus the compounded rate
over the reference quarter, third Wednesday to third Wednesday), as spec section 5b restates them.
They are written out here a second time, as plain loops over calendar days, independently of
``xlfidx.sofr``; QuantLib's ``OvernightIndexFuture`` checks them once more where it is installed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlfidx
from xlfidx.dates import sifma_holidays
from xlfidx.errors import InputError
from xlfidx.sofr import SofrChain, sofr_contract, sofr_futures_rate

HOLIDAYS = {dt.date.fromisoformat(str(d)) for d in sifma_holidays()}


def is_business(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def previous_business(day: dt.date) -> dt.date:
    while not is_business(day):
        day -= dt.timedelta(days=1)
    return day


def third_wednesday(year: int, month: int) -> dt.date:
    return next(dt.date(year, month, d) for d in range(15, 22) if dt.date(year, month, d).weekday() == 2)


def period(kind: str, year: int, month: int) -> tuple[dt.date, dt.date]:
    if kind == "SR1":
        return dt.date(year, month, 1), dt.date(year + month // 12, month % 12 + 1, 1)
    m3 = month + 3
    return third_wednesday(year, month), third_wednesday(year + (m3 - 1) // 12, (m3 - 1) % 12 + 1)


def calendar_days(start: dt.date, end: dt.date):
    day = start
    while day < end:
        yield day
        day += dt.timedelta(days=1)


def sr1_by_definition(rate_of, start: dt.date, end: dt.date) -> float:
    """Arithmetic average over every calendar day, each at its last business day's SOFR."""
    days = list(calendar_days(start, end))
    return sum(rate_of(previous_business(d)) for d in days) / len(days)


def sr3_by_definition(rate_of, start: dt.date, end: dt.date) -> float:
    """[prod(1 + r_i d_i / 360) - 1] * 360 / N, d_i the calendar days each business day's rate
    applies (a first day that is a holiday takes the business day before it)."""
    applies: dict[dt.date, int] = {}
    for d in calendar_days(start, end):
        b = previous_business(d)
        applies[b] = applies.get(b, 0) + 1
    growth = 1.0
    for b, n in applies.items():
        growth *= 1.0 + rate_of(b) / 100.0 * n / 360.0
    return (growth - 1.0) * 360.0 / (end - start).days * 100.0


def random_sofr(first: dt.date, last: dt.date, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    days = [d for d in calendar_days(first, last) if is_business(d)]
    return pd.Series(4.0 + rng.normal(0, 0.3, len(days)).cumsum() / 10, index=pd.to_datetime(days))


# every period a holiday or a weekend makes awkward: SR3M4 starts on Juneteenth (Wednesday
# 2024-06-19, no SOFR), SR1 Feb-2025 on a Saturday, Jan-2025 has New Year and the national day of
# mourning of 2025-01-09 (an early close: a business day), Apr-2026 Good Friday, SR3Z4 Christmas
CASES = [("SR3", 2024, 6), ("SR3", 2024, 12), ("SR3", 2025, 3), ("SR3", 2025, 6), ("SR3", 2026, 3),
         ("SR1", 2025, 1), ("SR1", 2025, 2), ("SR1", 2024, 6), ("SR1", 2026, 4), ("SR1", 2024, 12)]


def _ticker(kind, year, month):
    return f"{kind}{xlfidx.fedfunds.MONTH_CODES[month - 1]}{year % 100:02d}"


@pytest.mark.parametrize(("kind", "year", "month"), CASES)
def test_rates_from_daily_sofr_equal_the_definitions(kind, year, month):
    sofr = random_sofr(dt.date(2024, 1, 1), dt.date(2026, 12, 31), seed=year * 12 + month)
    start, end = period(kind, year, month)
    c = sofr_contract(_ticker(kind, year, month))
    assert (str(c.start), str(c.end)) == (start.isoformat(), end.isoformat())

    def rate_of(day):
        return float(sofr[pd.Timestamp(day)])

    want = (sr1_by_definition if kind == "SR1" else sr3_by_definition)(rate_of, start, end)
    assert sofr_futures_rate(c, sofr) == pytest.approx(want, abs=1e-10)
    # a mapping of dates gives the same
    assert sofr_futures_rate(c, {d.date(): v for d, v in sofr.items()}) == pytest.approx(want, abs=1e-10)


def test_a_missing_fixing_is_named():
    sofr = random_sofr(dt.date(2025, 1, 1), dt.date(2025, 7, 31), 1).drop(pd.Timestamp("2025-04-10"))
    with pytest.raises(InputError, match=r"^sofr = '2025-04-10' has no rate; SR3H5 needs"):
        sofr_futures_rate("SR3H25", sofr)


def _quantlib_rate(ql, kind, start, end, sofr):
    """QuantLib's OvernightIndexFuture on an overnight index with SIFMA's business days and
    every fixing in the past (the evaluation date is the period's last day)."""
    cal = ql.BespokeCalendar("SIFMA")
    cal.addWeekend(ql.Saturday)
    cal.addWeekend(ql.Sunday)
    for h in sorted(HOLIDAYS):
        if dt.date(2023, 1, 1) <= h <= dt.date(2027, 12, 31):
            cal.addHoliday(ql.Date(h.day, h.month, h.year))
    curve = ql.YieldTermStructureHandle(ql.FlatForward(0, cal, 0.04, ql.Actual360()))
    index = ql.OvernightIndex("SOFR-SIFMA", 0, ql.USDCurrency(), cal, ql.Actual360(), curve)
    for d, r in sofr.items():
        index.addFixing(ql.Date(d.day, d.month, d.year), r / 100.0, True)  # replace: fixings are global
    qs, qe = ql.Date(start.day, start.month, start.year), ql.Date(end.day, end.month, end.year)
    ql.Settings.instance().evaluationDate = qe - 1
    avg = ql.RateAveraging.Simple if kind == "SR1" else ql.RateAveraging.Compound
    return 100.0 - ql.OvernightIndexFuture(index, qs, qe, ql.QuoteHandle(), avg).NPV()


@pytest.mark.parametrize(("kind", "year", "month"), CASES)
def test_rates_equal_quantlib(kind, year, month):
    ql = pytest.importorskip("QuantLib", reason="QuantLib is not installed; the definitions "
                             "written out above are tested instead")
    sofr = random_sofr(dt.date(2024, 1, 1), dt.date(2026, 12, 31), seed=year * 12 + month)
    start, end = period(kind, year, month)
    assert sofr_futures_rate(_ticker(kind, year, month), sofr) == pytest.approx(
        _quantlib_rate(ql, kind, start, end, sofr), abs=1e-10)


# ---------------------------------------------------------------------------------------------
# the path: prices generated from a known FOMC step path, by the definitions above

PRICING = dt.date(2025, 4, 15)
SPOT = 4.33
# (decision day, change in percent): holds, 25 and 50 bp cuts; 2025-06-18 moves SOFR on Friday
# 2025-06-20 (Thursday is Juneteenth), inside SR3M5, whose quarter also holds July 4 and Labor Day
STEP_PATH = [("2025-05-07", 0.0), ("2025-06-18", -0.25), ("2025-07-30", 0.0),
             ("2025-09-17", -0.25), ("2025-10-29", -0.50), ("2025-12-10", 0.0),
             ("2026-01-28", -0.25), ("2026-03-18", 0.0), ("2026-04-29", -0.25),
             ("2026-06-17", 0.0)]
SR1_MONTHS = [(2025, m) for m in range(4, 13)] + [(2026, m) for m in range(1, 4)]
SR3_MONTHS = [(2025, 3), (2025, 6), (2025, 9), (2025, 12), (2026, 3)]


def next_business(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while not is_business(day):
        day += dt.timedelta(days=1)
    return day


def step_sofr(fixings: pd.Series | None, moves=STEP_PATH) -> callable:
    """SOFR of each business day: the fixings before the pricing date (the spot where none),
    then the spot moved by each decision from the business day after it."""
    effective = [(next_business(dt.date.fromisoformat(d)), c) for d, c in moves]

    def rate_of(day: dt.date) -> float:
        if day < PRICING:
            return float(fixings[pd.Timestamp(day)]) if fixings is not None else SPOT
        return SPOT + sum(c for e, c in effective if e <= day)

    return rate_of


def chain_prices(rate_of, sr1=SR1_MONTHS, sr3=SR3_MONTHS, bloomberg=False):
    tickers, prices = [], []
    for kind, months in (("SR1", sr1), ("SR3", sr3)):
        for y, m in months:
            start, end = period(kind, y, m)
            f = sr1_by_definition if kind == "SR1" else sr3_by_definition
            root = {"SR1": "SER", "SR3": "SFR"}[kind] if bloomberg else kind
            code = xlfidx.fedfunds.MONTH_CODES[m - 1]
            tickers.append(f"{root}{code}{y % 10}" + (" Comdty" if bloomberg else ""))
            prices.append(100.0 - f(rate_of, start, end))
    return tickers, prices


def known_levels(moves=STEP_PATH):
    return SPOT + np.cumsum([c for _, c in moves])


def _fixings() -> pd.Series:
    """SOFR as published for the business days before the pricing date, around the spot."""
    days = [d for d in calendar_days(dt.date(2025, 3, 1), PRICING) if is_business(d)]
    rates = np.round(SPOT + np.random.default_rng(3).normal(0, 0.02, len(days)), 2)
    return pd.Series(rates, index=pd.to_datetime(days))


FIXINGS = _fixings()


@pytest.mark.parametrize("bloomberg", [False, True])
def test_path_recovers_every_meetings_rate_from_a_known_step_path(bloomberg):
    tickers, prices = chain_prices(step_sofr(FIXINGS), bloomberg=bloomberg)
    # shuffled, as a user's list may be
    order = np.random.default_rng(5).permutation(len(prices))
    chain = SofrChain(prices=[prices[i] for i in order], tickers=[tickers[i] for i in order],
                      meetings=[d for d, _ in STEP_PATH], spot_rate=SPOT, pricing_date=PRICING,
                      fixings=FIXINGS)
    path = chain.path()
    want = known_levels()
    priced = path["rate after %"].notna().to_numpy()
    # the last meeting (2026-06-17) takes effect after the last contract (SR3H6 ends 2026-06-16)
    assert priced.tolist() == [True] * 9 + [False]
    assert path["priced by"].iloc[-1].startswith("not priced: no fitted contract has days after it")
    err_bp = np.abs(path["rate after %"].to_numpy()[priced] - want[priced]) * 100
    assert err_bp.max() < 0.01
    np.testing.assert_allclose(path["change (bp)"].to_numpy()[priced],
                               [c * 100 for _, c in STEP_PATH][:9], atol=0.01)
    assert path.attrs["max_residual_bp"] < 1e-6
    assert path.attrs["not_separated"] == []
    # the move of 2025-06-18 reaches SOFR on Friday the 20th (Juneteenth is Thursday)
    assert path.set_index("meeting").at[pd.Timestamp("2025-06-18"), "effective"] == pd.Timestamp("2025-06-20")
    # the contracts in their period took the fixings, and say so
    notes = " | ".join(path.attrs["notes"])
    assert "SR3H5" in notes or "SFRH5" in notes
    assert "days fixed, from the fixings" in notes
    # spread held: SOFR 4.33 in the 4.25-4.50 range is 4.5 bp under its middle
    assert path.attrs["target_range"] == "4.25-4.50" and path.attrs["spread_bp"] == pytest.approx(-4.5)
    np.testing.assert_allclose(path["target mid after %"][priced], want[priced] + 0.045, atol=1e-6)
    # whole 25 bp moves: every meeting's range is certain, the one the step path puts it in
    lows = 4.25 + np.round((want - SPOT) / 0.25) * 0.25
    assert path["most likely range %"][priced].tolist() == [f"{lo:.2f}-{lo + 0.25:.2f}" for lo in lows[priced]]
    probs = chain.probabilities()
    assert probs.iloc[:, 1:].max(axis=1).round(6).tolist() == [100.0] * 9


def test_without_fixings_the_contracts_in_their_period_take_the_spot_and_say_so():
    tickers, prices = chain_prices(step_sofr(None))
    chain = SofrChain(prices=prices, tickers=tickers, meetings=[d for d, _ in STEP_PATH],
                      spot_rate=SPOT, pricing_date=PRICING)
    path = chain.path()
    assert np.abs(path["rate after %"][:9] - known_levels()[:9]).max() * 100 < 0.01
    table = chain.contracts().set_index("contract")
    assert table.at["SR3H5", "fixed days"] == (PRICING - dt.date(2025, 3, 19)).days
    assert table.at["SR3H5", "note"] == ("in its period since 2025-03-19: 27 of 91 days fixed, at "
                                         "the spot rate 4.33% (no fixings given)")
    assert table.at["SR1J5", "fixed days"] == 14


def test_inconsistent_prices_are_fitted_by_least_squares_with_residuals_in_bp():
    tickers, prices = chain_prices(step_sofr(FIXINGS))
    i = tickers.index("SR3U5")
    bumped = list(prices)
    bumped[i] -= 0.01  # SR3U5 one bp higher in rate than the path gives
    kw = dict(meetings=[d for d, _ in STEP_PATH], spot_rate=SPOT, pricing_date=PRICING, fixings=FIXINGS)
    fit = SofrChain(prices=bumped, tickers=tickers, **kw)
    table = fit.contracts()
    resid = table["residual (bp)"].to_numpy()
    assert np.abs(resid).max() > 0.05
    # least squares: no worse than the true path, whose only misfit is the one bp put in
    assert (resid ** 2).sum() <= 1.0 + 1e-9
    # the model's own prices are consistent: refitted, they give the same path exactly
    again = SofrChain(prices=100 - table["model rate %"].to_numpy(), tickers=table["ticker"].tolist(), **kw)
    np.testing.assert_allclose(again.path()["rate after %"], fit.path()["rate after %"], atol=1e-9)
    assert np.abs(again.contracts()["residual (bp)"]).max() < 1e-7


def test_meetings_the_contracts_cannot_separate_are_flagged():
    # SR3 only: two or three meetings a quarter, one price each
    tickers, prices = chain_prices(step_sofr(FIXINGS), sr1=[], sr3=SR3_MONTHS[1:])
    chain = SofrChain(prices=prices, tickers=tickers, meetings=[d for d, _ in STEP_PATH],
                      spot_rate=SPOT, pricing_date=PRICING)
    path = chain.path()
    assert path.attrs["max_residual_bp"] < 1e-6  # still priced exactly
    assert "2025-05-07" in path.attrs["not_separated"]
    row = path.set_index("meeting").loc[pd.Timestamp("2025-05-07")]
    n = len(path.attrs["not_separated"])
    assert row["priced by"].endswith(f"(one of {n} meetings the contracts do not separate: the "
                                     "smallest moves that price them)")


def test_contracts_beyond_the_meetings_are_not_fitted():
    tickers, prices = chain_prices(step_sofr(FIXINGS))
    chain = SofrChain(prices=prices, tickers=tickers, meetings=[d for d, _ in STEP_PATH[:5]],
                      spot_rate=SPOT, pricing_date=PRICING, fixings=FIXINGS)
    table = chain.contracts().set_index("contract")
    assert not table.at["SR3H6", "fitted"]
    assert "not fitted: it ends 2026-06-16, more than 7 weeks after the last meeting listed (2025-10-29)" \
        in table.at["SR3H6", "note"]
    path = chain.path()
    assert np.abs(path["rate after %"] - known_levels()[:5]).max() * 100 < 0.01


@pytest.mark.parametrize(("ticker", "pricing", "kind", "start"), [
    ("SERH5 Comdty", "2025-01-10", "SR1", "2025-03-01"),
    ("SFRH5 Comdty", "2025-04-15", "SR3", "2025-03-19"),   # in its quarter: still 2025
    ("SR1H5", "2025-04-15", "SR1", "2035-03-01"),          # March 2025 is over
    ("SR3H5", "2025-06-18", "SR3", "2035-03-21"),          # its quarter ended 2025-06-17
    ("sr3m25", None, "SR3", "2025-06-18"),
    ("SFRZ4 Comdty", "2025-01-02", "SR3", "2024-12-18"),   # the quarter runs to 2025-03-19
    ("SFRZ4 Comdty", "2025-03-19", "SR3", "2034-12-20"),
])
def test_ticker_forms(ticker, pricing, kind, start):
    c = sofr_contract(ticker, pricing)
    assert (c.kind, str(c.start)) == (kind, start)


def test_bad_input_names_the_argument():
    kw = dict(meetings=["2025-06-18"], spot_rate=4.33, pricing_date="2025-06-02")
    with pytest.raises(InputError, match=r"^tickers = 'FFN5' is not a SOFR futures ticker"):
        SofrChain(prices=[95.9], tickers=["FFN5"], **kw).path()
    with pytest.raises(InputError, match=r"^tickers\[1\] = 'SR1N5 Comdty' names the same contract as SERN5"):
        SofrChain(prices=[95.9, 95.9], tickers=["SERN5", "SR1N5 Comdty"], **kw).path()
    with pytest.raises(InputError, match=r"^prices\[1\] = 250.0 is outside \(0, 200\)"):
        SofrChain(prices=[95.9, 250.0], tickers=["SR1N5", "SR1Q5"], **kw).path()
    with pytest.raises(InputError, match=r"^pricing_date = \(blank\) is missing"):
        SofrChain(prices=[95.9], tickers=["SR1N5"], meetings=["2025-06-18"], spot_rate=4.33).path()
    with pytest.raises(InputError, match=r"^spot_rate"):
        SofrChain(prices=[95.9], tickers=["SR1N5"], meetings=["2025-06-18"], spot_rate="x",
                  pricing_date="2025-06-02").path()


# ---------------------------------------------------------------------------------------------
# any step path on the published FOMC calendar, any pricing date: SR1 every month separate the
# meetings, so the fit gives the path back whatever it is


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(day=st.dates(dt.date(2015, 1, 5), dt.date(2025, 6, 30)),
       moves=st.lists(st.integers(-75, 75), min_size=8, max_size=8),
       spot=st.floats(0.05, 6.0))
def test_any_step_path_comes_back(day, moves, spot):
    meetings = [str(m) for m in xlfidx.fomc_meetings(day, day + dt.timedelta(days=330))][:6]
    path = [(m, c / 100) for m, c in zip(meetings, moves, strict=False)]
    effective = [(next_business(dt.date.fromisoformat(m)), c) for m, c in path]

    def rate_of(d):
        return spot + sum(c for e, c in effective if e <= d) if d >= day else spot

    first = dt.date(day.year, day.month, 1)
    sr1 = [(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1) for i in range(13)]
    tickers, prices = [], []
    for y, m in sr1:
        start, end = period("SR1", y, m)
        tickers.append(_ticker("SR1", y, m))
        prices.append(100.0 - sr1_by_definition(rate_of, start, end))
    chain = SofrChain(prices=prices, tickers=tickers, meetings=meetings, spot_rate=spot,
                      pricing_date=day)
    got = chain.path()
    want = spot + np.cumsum([c for _, c in path])
    assert got["rate after %"].notna().all()
    assert np.abs(got["rate after %"].to_numpy() - want).max() * 100 < 0.01
    assert got.attrs["max_residual_bp"] < 1e-6
