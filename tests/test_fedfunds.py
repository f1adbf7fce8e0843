"""Fed funds futures: the policy path (FEDPATH), FedWatch probabilities, against published figures."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from published import FEDPATH_2025_01_31, FEDPATH_COLUMNS

import xlfidx
from xlfidx.errors import InputError, MissingDataError
from xlfidx.fedfunds import (
    FOMC_ANNOUNCEMENTS,
    MONTH_COLUMNS,
    PATH_COLUMNS,
    fed_funds_curve,
    fed_path,
    fed_path_by_month,
    fed_probabilities,
    fedwatch_tree,
    fomc_meetings,
)
from xlfidx.tickers import month_ticker


@pytest.fixture(scope="module")
def export(fedfutures_xlsx):
    return xlfidx.read_fedfutures_export(fedfutures_xlsx)


@pytest.fixture(scope="module")
def reference():
    # the reference path published with the 2025-01-31 export, typed in published.py
    return pd.DataFrame(FEDPATH_2025_01_31, columns=FEDPATH_COLUMNS)


def _chain_args(export, date="2025-01-31"):
    chain = export.chain(date)
    return (chain["price"].to_numpy(), chain["last trade"].to_numpy(dtype="datetime64[D]"),
            export.meetings, export.spot_rate(date))


# ---------------------------------------------------------------------------------------------
# the published reference path of 2025-01-31 (published.FEDPATH_2025_01_31), 1 bp
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["next", "cme"])
@pytest.mark.parametrize("announcement_day", ["new", "old"])
def test_reference_path_within_1bp_every_month(export, reference, method, announcement_day):
    table = fed_path_by_month(*_chain_args(export), method=method, announcement_day=announcement_day)
    got = table.set_index("month").loc[reference["month"]]
    np.testing.assert_allclose(got["futures rate %"], reference["futures_rate_pct"], atol=1e-9)
    diff_bp = (got["expected rate at month end %"].to_numpy() - reference["expected_effr_pct"]) * 100
    assert np.all(np.abs(diff_bp) < 1.0), dict(zip(reference["month"], np.round(diff_bp, 3), strict=True))
    # the meeting months are the reference's
    ref_meet = pd.to_datetime(reference["meeting_date"])
    assert (got["meeting"].isna().to_numpy() == ref_meet.isna().to_numpy()).all()
    assert (got["meeting"].dropna().to_numpy() == ref_meet.dropna().to_numpy()).all()


def test_reference_exact_where_its_day_count_is_ours(export, reference):
    # the reference counts the announcement day at the old rate: Sep-2025 and Dec-2025 exact
    table = fed_path_by_month(*_chain_args(export), method="next", announcement_day="old")
    got = table.set_index("month")["expected rate at month end %"]
    assert got["2025-09"] == pytest.approx(3.969231, abs=5e-7)
    assert got["2025-12"] == pytest.approx(3.885714, abs=5e-7)
    assert got["2025-02"] == pytest.approx(4.33)  # before the first meeting: spot


def test_backout_method_drifts_from_reference_where_few_days_follow_a_meeting(export, reference):
    # seed 002's choice 2 divides by the days after the meeting: 2 days in July-2025
    table = fed_path_by_month(*_chain_args(export), method="backout").set_index("month")
    assert abs(table.at["2025-07", "expected rate at month end %"] - 4.05) > 0.05


def test_path_ends_at_last_contract_and_says_so(export):
    path = fed_path(*_chain_args(export, "2024-07-29")[:2], export.meetings, 5.33)
    assert list(path.columns) == list(PATH_COLUMNS)
    assert path.attrs["last_priced_meeting"] == "2025-09-17"
    assert path.attrs["not_priced"] == ["2025-10-29", "2025-12-10", "2026-01-29", "2026-03-18"]
    late = path[path["meeting"] > "2025-09-30"]
    assert late["rate after %"].isna().all()
    assert late["priced by"].iloc[0] == "not priced: beyond the last contract (2025-09)"


# ---------------------------------------------------------------------------------------------
# CME's worked examples: rates to 1e-4, probabilities to 0.01 pp
# ---------------------------------------------------------------------------------------------

def test_cme_sep_2015_example():
    path = fed_path([99.8675, 99.805], ["2015-08-31", "2015-09-30"], ["2015-09-17"], 0.14)
    row = path.iloc[0]
    assert row["rate before %"] == pytest.approx(0.1325, abs=1e-4)
    assert row["rate after %"] == pytest.approx(0.26643, abs=1e-4)
    assert (row["move low (bp)"], row["move high (bp)"]) == (0, 25)
    # CME prints 53.6% (one decimal); the unrounded figure is 53.5714%
    assert round(row["P(move high) %"], 1) == 53.6
    assert row["P(move high) %"] == pytest.approx(53.5714, abs=0.01)
    assert row["P(hike vs today) %"] == pytest.approx(row["P(move high) %"])
    # seed choice 2 from spot = the August rate gives the same end rate
    backout = fed_path([99.8675, 99.805], ["2015-08", "2015-09"], ["2015-09-17"], 0.1325,
                       method="backout").iloc[0]
    assert backout["rate after %"] == pytest.approx(0.26643, abs=1e-4)


def test_cme_sep_2022_example():
    args = ([97.4475, 96.94], ["2022-09-30", "2022-10-31"], ["2022-09-21"], 2.33)
    row = fed_path(*args).iloc[0]
    assert row["rate before %"] == pytest.approx(2.2987, abs=1e-4)
    assert row["rate after %"] == pytest.approx(3.06, abs=1e-4)
    assert (row["move low (bp)"], row["P(move low) %"]) == (75, pytest.approx(95.5, abs=0.01))
    assert (row["move high (bp)"], row["P(move high) %"]) == (100, pytest.approx(4.5, abs=0.01))
    probs = fed_probabilities(*args)
    assert list(probs.columns) == ["meeting", "3.00-3.25", "3.25-3.50"]
    assert probs.iloc[0, 1:].tolist() == [pytest.approx(95.5, abs=0.01), pytest.approx(4.5, abs=0.01)]


def test_cme_examples_need_cme_day_count():
    # counting the announcement day at the old rate misses both CME examples
    a = fed_path([97.4475, 96.94], ["2022-09", "2022-10"], ["2022-09-21"], 2.33,
                 announcement_day="old").iloc[0]
    assert abs(a["rate before %"] - 2.2987) > 0.01
    b = fed_path([99.8675, 99.805], ["2015-08", "2015-09"], ["2015-09-17"], 0.14,
                 announcement_day="old").iloc[0]
    assert abs(b["rate after %"] - 0.26643) > 0.005


# ---------------------------------------------------------------------------------------------
# re-pricing invariant (property): the daily path reprices every contract used in the solve
# ---------------------------------------------------------------------------------------------

def _daily_average(path: pd.DataFrame, spot: float, month: np.datetime64, new: bool) -> float:
    days = np.arange(month.astype("datetime64[D]"), (month + 1).astype("datetime64[D]"))
    rate = np.full(days.size, spot)
    for meeting, after in zip(path["meeting"].to_numpy(dtype="datetime64[D]"),
                              path["rate after %"], strict=True):
        if np.isnan(after):
            break
        effective = meeting if new else meeting + 1
        rate[days >= effective] = after
    return float(rate.mean())


@st.composite
def chains(draw):
    start = np.datetime64("2024-01", "M") + draw(st.integers(0, 23))
    n = draw(st.integers(2, 18))
    months = start + np.arange(n)
    rates = draw(st.lists(st.floats(0.0, 6.0), min_size=n, max_size=n))
    prices = np.round(100 - np.array(rates), 4)
    # a meeting in some months (any day), possibly one beyond the chain
    flags = draw(st.lists(st.booleans(), min_size=n + 1, max_size=n + 1))
    meetings = []
    for i, f in enumerate(flags):
        if f:
            m = start + i
            days = int(((m + 1).astype("datetime64[D]") - m.astype("datetime64[D]")).astype(int))
            meetings.append(m.astype("datetime64[D]") + draw(st.integers(0, days - 1)))
    order = draw(st.permutations(range(n)))
    spot = draw(st.floats(0.0, 6.0))
    return months, prices, meetings, spot, list(order)


@settings(max_examples=150, deadline=None)
@given(chains(), st.sampled_from(["backout", "next"]), st.sampled_from(["new", "old"]))
def test_daily_path_reprices_every_contract_used(chain, method, ann):
    months, prices, meetings, spot, order = chain
    exp = (months + 1).astype("datetime64[D]") - 1
    path = fed_path(prices[order], exp[order], meetings, spot, method=method,
                    announcement_day=ann)
    rate_of = {month_ticker("FF", m): 100 - p for m, p in zip(months, prices, strict=True)}
    month_of = {month_ticker("FF", m): m for m in months}
    used = set()
    for how in path["priced by"]:
        assert not how.startswith("not priced") or not re.search(r"FF[A-Z]\d", how)
        used.update(re.findall(r"FF[FGHJKMNQUVXZ]\d", how))
    for label in used:
        avg = _daily_average(path, spot, month_of[label], ann == "new")
        assert avg == pytest.approx(rate_of[label], abs=1e-9), (label, path)
    # the chain's order does not matter
    sorted_path = fed_path(prices, exp, meetings, spot, method=method, announcement_day=ann)
    pd.testing.assert_frame_equal(path, sorted_path)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1.0, 1.0), min_size=1, max_size=12))
def test_probability_tree_is_a_distribution_with_the_expected_mean(changes):
    steps, probs = fedwatch_tree(changes)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)
    assert (probs >= -1e-15).all()
    mean = probs @ steps * 0.25
    np.testing.assert_allclose(mean, np.cumsum(changes), atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-3000.0, 3000.0), min_size=1, max_size=18))
def test_a_tree_of_any_size_is_small_and_exact(changes):
    # moves of up to 3,000 percentage points a meeting: the tree keeps only reachable outcomes
    # (at most meetings x (meetings + 1) / 2 + meetings), a distribution with the expected mean
    steps, probs = fedwatch_tree(changes)
    k = len(changes)
    assert probs.shape == (k, steps.size) and steps.size <= k * (k + 1) // 2 + k + 4000
    assert (np.diff(steps) > 0).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)
    mean = probs @ steps * 0.25
    np.testing.assert_allclose(mean, np.cumsum(changes), rtol=1e-12, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-5.0, 5.0), min_size=1, max_size=12))
def test_the_reachable_outcomes_are_the_full_grid_less_its_zeros(changes):
    # the same tree laid on every step (the grid CME's tables show) and on the reachable
    # outcomes only: equal where both have a column, zero where only the grid has one
    import xlfidx.fedfunds as ff

    steps, probs = fedwatch_tree(changes)
    saved = ff.TREE_STEPS
    ff.TREE_STEPS = 0
    try:
        few, few_probs = fedwatch_tree(changes)
    finally:
        ff.TREE_STEPS = saved
    assert steps.tolist() == list(range(int(steps[0]), int(steps[-1]) + 1))  # every step
    at = np.searchsorted(steps, few)
    assert np.array_equal(steps[at], few)
    np.testing.assert_array_equal(probs[:, at], few_probs)
    assert (np.delete(probs, at, axis=1) == 0).all()


def test_a_backed_out_path_that_explodes_still_gives_its_odds():
    # Found by the repricing property test in 32-bit WebAssembly: a 1 bp step in one month of a
    # flat chain, backed out over the few days after late-month meetings, swings the path by
    # millions of percent; its FedWatch tree spanned 29 million steps (a 2.4 GB table), which
    # 32-bit numpy refuses. The path and its odds are computed from the reachable outcomes.
    months = np.datetime64("2024-02", "M") + np.arange(18)
    prices = np.full(18, 100.0)
    prices[12] = 99.0
    meetings = np.array(["2024-09-01", "2024-10-01", "2024-11-01", "2024-12-01", "2025-01-01",
                         "2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31", "2025-06-28"],
                        dtype="datetime64[D]")
    expiries = (months + 1).astype("datetime64[D]") - 1
    path = fed_path(prices, expiries, meetings, 0.0, method="backout")
    priced = path["P(hold vs today) %"].notna()
    odds = path.loc[priced, ["P(cut vs today) %", "P(hold vs today) %", "P(hike vs today) %"]]
    np.testing.assert_allclose(odds.sum(axis=1), 100.0, atol=1e-9)
    table = fed_probabilities(prices, expiries, meetings, 0.0, method="backout")
    assert table.shape[1] <= 1 + 10 * 11 // 2 + 10  # the meeting and the reachable ranges
    np.testing.assert_allclose(table.drop(columns="meeting").sum(axis=1), 100.0, atol=1e-9)


def test_tree_two_meetings_by_hand():
    # -10 bp then -30 bp: (0.6 hold, 0.4 cut) then (0.8 -25, 0.2 -50)
    steps, probs = fedwatch_tree([-0.10, -0.30])
    assert steps.tolist() == [-3, -2, -1, 0]
    np.testing.assert_allclose(probs[0], [0, 0, 0.4, 0.6], atol=1e-12)
    np.testing.assert_allclose(probs[1], [0.4 * 0.2, 0.4 * 0.8 + 0.6 * 0.2, 0.6 * 0.8, 0], atol=1e-12)


def test_probabilities_long_layout_cumulates(export):
    args = _chain_args(export)
    long = fed_probabilities(*args, layout="long")
    assert list(long.columns) == ["meeting", "change vs today (bp)", "target range %",
                                  "probability %", "P(at or below) %"]
    last = long.groupby("meeting")["P(at or below) %"].last()
    np.testing.assert_allclose(last, 100.0, atol=1e-9)
    path = fed_path(*args)
    wide = fed_probabilities(*args).set_index("meeting")
    below = [c for c in wide.columns if float(c.split("-")[0]) < 4.25]
    np.testing.assert_allclose(wide[below].sum(axis=1), path["P(cut vs today) %"], atol=1e-9)


# ---------------------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------------------

def test_chain_starting_in_a_meeting_month_starts_from_spot():
    # the current month holds a meeting: the rate before it is spot (seed methods)
    path = fed_path([95.72, 95.78], ["2025-05-30", "2025-06-30"], ["2025-05-07", "2025-06-18"],
                    4.33, method="next")
    assert path["rate before %"].iloc[0] == 4.33
    assert path["rate before %"].iloc[1] == path["rate after %"].iloc[0]


def test_meetings_before_the_chain_are_past_and_ignored():
    path = fed_path([95.675, 95.69, 95.715], ["2025-02", "2025-03", "2025-04"],
                    ["2025-01-29", "2025-03-19"], 4.33)
    assert path["meeting"].tolist() == [pd.Timestamp("2025-03-19")]
    assert path.attrs["ignored_past_meetings"] == ["2025-01-29"]


def test_meeting_in_a_month_missing_from_the_chain_is_not_priced():
    path = fed_path([95.675, 95.715, 95.77], ["2025-02", "2025-04", "2025-06"],
                    ["2025-03-19", "2025-05-07", "2025-06-18"], 4.33, method="backout")
    # March is missing but April (no meeting) prices its end; May is missing and June has a
    # meeting, so May and everything after it are not priced
    assert path["priced by"].tolist() == ["end FFJ5 (no contract for 2025-03)",
                                          "not priced: no contract for 2025-05",
                                          "not priced: after an unpriced meeting"]
    assert path.attrs["last_priced_meeting"] == "2025-03-19"


def test_meeting_list_blanks_dropped_and_two_in_a_month_rejected():
    base = ([95.69, 95.715], ["2025-03", "2025-04"])
    assert len(fed_path(*base, ["2025-03-19", None, ""], 4.33)) == 1
    with pytest.raises(InputError, match=r"meetings = '2025-03-19' is in the same month"):
        fed_path(*base, ["2025-03-19", "2025-03-19"], 4.33)


def test_curve_sorted_with_labels():
    curve = fed_funds_curve([95.715, 95.675, 95.69], ["2025-04-30", "2025-02-28", "2025-03-31"])
    assert curve["contract"].tolist() == ["FFG5", "FFH5", "FFJ5"]
    np.testing.assert_allclose(curve["implied rate %"], [4.325, 4.31, 4.285])


def test_table_columns_are_stable(export):
    assert list(fed_path(*_chain_args(export)).columns) == list(PATH_COLUMNS)
    assert list(fed_path_by_month(*_chain_args(export)).columns) == list(MONTH_COLUMNS)


def test_fomc_calendar():
    assert fomc_meetings("2025-01-01", "2025-12-31").astype(str).tolist() == [
        "2025-01-29", "2025-03-19", "2025-05-07", "2025-06-18", "2025-07-30", "2025-09-17",
        "2025-10-29", "2025-12-10"]


def test_fomc_calendar_has_eight_meetings_in_every_year_it_covers():
    dates = np.array(FOMC_ANNOUNCEMENTS, dtype="datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    first, last = years.min(), years.max()
    assert (first, last) == (2015, 2026)
    assert np.bincount(years - first).tolist() == [8] * (last - first + 1)  # no year missing
    gaps = np.diff(dates).astype(int)
    assert gaps.min() >= 35 and gaps.max() <= 63  # six to nine weeks apart, in order
    # statement days are Wednesdays but for four Wednesday-Thursday meetings, and the
    # unscheduled Sunday meeting of 2020-03-15 that replaced March 17-18
    weekday = {str(d): (d.astype(int) + 3) % 7 for d in dates}  # Monday = 0
    odd = {d for d, w in weekday.items() if w != 2}
    assert odd == {"2015-09-17", "2018-11-08", "2020-11-05", "2024-11-07", "2020-03-15"}


@pytest.mark.parametrize("year, expected", [
    # the Federal Reserve's published calendars: the second day of each two-day meeting
    (2016, ["2016-01-27", "2016-03-16", "2016-04-27", "2016-06-15", "2016-07-27", "2016-09-21",
            "2016-11-02", "2016-12-14"]),
    (2018, ["2018-01-31", "2018-03-21", "2018-05-02", "2018-06-13", "2018-08-01", "2018-09-26",
            "2018-11-08", "2018-12-19"]),
    (2019, ["2019-01-30", "2019-03-20", "2019-05-01", "2019-06-19", "2019-07-31", "2019-09-18",
            "2019-10-30", "2019-12-11"]),
    (2021, ["2021-01-27", "2021-03-17", "2021-04-28", "2021-06-16", "2021-07-28", "2021-09-22",
            "2021-11-03", "2021-12-15"]),
])
def test_fomc_calendar_years_that_were_missing(year, expected):
    got = fomc_meetings(f"{year}-01-01", f"{year}-12-31").astype(str).tolist()
    assert got == expected


def test_fomc_calendar_2020_as_held():
    # Fed's 2020 calendar: March 3 (unscheduled, -50 bp), March 15 (unscheduled, -100 bp) in
    # place of the cancelled March 17-18 meeting
    assert fomc_meetings("2020-03-01", "2020-03-31").astype(str).tolist() == ["2020-03-15"]
    assert fomc_meetings("2020-01-01", "2020-04-30", unscheduled=True).astype(str).tolist() == [
        "2020-01-29", "2020-03-03", "2020-03-15", "2020-04-29"]
    assert len(fomc_meetings("2020-01-01", "2020-12-31")) == 8


# ---------------------------------------------------------------------------------------------
# bad input: the error names the argument and the value
# ---------------------------------------------------------------------------------------------

GOOD = ([95.69, 95.715], ["2025-03-31", "2025-04-30"], ["2025-03-19"], 4.33)


@pytest.mark.parametrize("price", [0.0, 200.0, -1.5, 250.0])
def test_price_outside_0_200(price):
    with pytest.raises(InputError, match=rf"^prices\[1\] = {re.escape(repr(price))} is outside \(0, 200\)"):
        fed_path([95.69, price], *GOOD[1:])


def test_price_text_and_missing():
    with pytest.raises(InputError, match=r"prices\[0\] = 'abc' is text"):
        fed_path(["abc", 95.7], *GOOD[1:])
    with pytest.raises(MissingDataError, match=r"prices\[1\] = '#N/A N/A' is missing"):
        fed_path([95.69, "#N/A N/A"], *GOOD[1:])


def test_meeting_not_a_date():
    with pytest.raises(InputError, match=r"meetings\[1\] = 'next FOMC' is text; meetings must be a date"):
        fed_path(*GOOD[:2], ["2025-03-19", "next FOMC"], 4.33)
    with pytest.raises(InputError, match=r"meetings\[0\] = True is a boolean"):
        fed_path(*GOOD[:2], True, 4.33)


@pytest.mark.parametrize("spot", [None, "", "#N/A N/A", float("nan")])
def test_no_spot_rate(spot):
    with pytest.raises(InputError, match=r"^spot_rate = .* is missing"):
        fed_path(*GOOD[:3], spot)


def test_empty_chain():
    with pytest.raises(InputError, match=r"^prices = \[\] is empty"):
        fed_path([], [], GOOD[2], 4.33)


def test_duplicated_month():
    with pytest.raises(InputError, match=r"^expiries\[2\] = '2025-03' is duplicated \(positions 0, 2\)"):
        fed_path([95.69, 95.715, 95.7], ["2025-03-31", "2025-04-30", "2025-03-14"], *GOOD[2:])


def test_mismatched_lengths_and_bad_options():
    with pytest.raises(InputError, match=r"^expiries = '1 dates' do not match prices"):
        fed_path(GOOD[0], ["2025-03-31"], *GOOD[2:])
    with pytest.raises(InputError, match=r"^method = 'fedwatch2' is not a method"):
        fed_path(*GOOD, method="fedwatch2")
    with pytest.raises(InputError, match=r"^announcement_day = 'today' is not a convention"):
        fed_path(*GOOD, announcement_day="today")
    with pytest.raises(InputError, match=r"^expiries\[0\] = 'H5' is text"):
        fed_path([95.69], ["H5"], *GOOD[2:])


def test_excel_ranges_as_lists_of_rows():
    # what the Excel layer passes: columns as lists of rows, blanks at the end of a range
    import datetime as dt

    path = fed_path([[99.8675], [99.805]], [["2015-08"], [dt.datetime(2015, 9, 30)]],
                    [[dt.datetime(2015, 9, 17)], [None]], 0.14)
    assert path["rate before %"].iloc[0] == 0.1325
    assert path["rate after %"].iloc[0] == pytest.approx(0.26643, abs=1e-5)
