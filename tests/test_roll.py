"""The calendar roll as Burghardt writes it (*The Treasury Bond Basis*, the calendar spread and
the implied repo of the roll): the implied repo from the front's market invoice, the fair spread
option-adjusted beside the carry-only one, the warning when the back's basket is the front's
export, and the back contract's own export (`xlfidx roll FRONT --back-export BACK`, and the
CALENDARROLL worksheet function).

USZ3 on 2023-11-21 (settlement 2023-11-22): the shipped sample's real basket, futures 115-31 and
5.413% repo; the USH4 price 116-01 is a hypothetical quote (the sample carries none).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

import xlfidx
from xlfidx.delivery import calendar_roll, delivery_option
from xlfidx.samples import sample_path
from xlfidx.samples.basket import BONDS, FILENAME, FUTURES_PRICE, REPO_PCT

USZ3 = pd.DataFrame(BONDS, columns=["coupon", "maturity", "price"])
BACK_PRICE = 116.03125  # 116-01, hypothetical
ROLL = dict(front="USZ3", back="USH4", bonds=USZ3, front_price=FUTURES_PRICE,
            back_price=BACK_PRICE, settle="2023-11-22", front_repo=REPO_PCT, back_repo=REPO_PCT)


def test_implied_roll_repo_is_burghardts_written_out():
    """Take delivery of the front's CTD, the 4.5% of 2039-08-15, on 2023-12-29 at the front's
    market invoice F1·CF1 + AI; carry it to 2024-03-28, its 2024-02-15 coupon paying down the
    repo; deliver it into the back at F2·CF2 + AI. The repo r that makes them equal:
    (F1·CF1 + AI1)(1 + r·90/360) − C(1 + r·42/360) = F2·CF2 + AI2."""
    roll = calendar_roll(**ROLL)
    cf1, cf2 = 0.8500, xlfidx.conversion_factor(4.5, "2039-08-15", "USH4")
    c = 4.5 / 2
    ai1 = c * 136 / 184   # 2023-08-15 to 2023-12-29, of 2023-08-15 to 2024-02-15
    ai2 = c * 42 / 182    # 2024-02-15 to 2024-03-28, of 2024-02-15 to 2024-08-15
    d = FUTURES_PRICE * cf1 + ai1
    r = (BACK_PRICE * cf2 + ai2 + c - d) / (d * 90 / 360 - c * 42 / 360) * 100
    assert roll.roll_bond == "4.5% 2039-08-15"
    assert roll.implied_roll_repo == pytest.approx(r, abs=1e-10)
    assert round(roll.implied_roll_repo, 3) == 5.330
    # the older figure started from the front's theoretical price: a different, lower rate
    assert round(roll.breakeven_roll_repo, 3) == 5.321


def test_option_adjusted_fair_spread_is_shown_beside_the_carry_only_one():
    roll = calendar_roll(**ROLL, vol_bp=100.0)
    front = delivery_option("USZ3", USZ3, FUTURES_PRICE, "2023-11-22", REPO_PCT, 100.0)
    back_rows = USZ3[xlfidx.is_deliverable(USZ3["maturity"], "USH24")]
    back = delivery_option("USH4", back_rows, BACK_PRICE, "2023-11-22", REPO_PCT, 100.0)
    assert roll.front_option_32nds == pytest.approx(front.value_32nds, abs=1e-12)
    assert roll.back_option_32nds == pytest.approx(back.value_32nds, abs=1e-12)
    want = roll.theoretical_spread_32nds - front.value_32nds + back.value_32nds
    assert roll.option_adjusted_spread_32nds == pytest.approx(want, abs=1e-12)
    # the back's option is worth more (longer to run): the option-adjusted spread is above the
    # carry-only one, and the conclusion flips: the front is cheap to the back, not rich
    assert back.value_32nds > front.value_32nds
    assert roll.rich_32nds > 0 > roll.option_adjusted_rich_32nds
    s = roll.summary()
    assert s["option_adjusted_spread_32nds"] == roll.option_adjusted_spread_32nds
    assert np.isnan(calendar_roll(**ROLL).option_adjusted_spread_32nds)  # no vol, no option


def _back_export(tmp_path):
    """The USH4 export in Bloomberg's layout, written from the shipped USZ3 sample: contract
    USH4 at 116-01 (hypothetical), the 3.5% of 2039-02-15 gone (short of 15 years from March),
    CME's USH4 factors, and a 20-year bond issued after the USZ3 export (the 4.75% of
    2043-11-15 at a hypothetical 99-16)."""
    wb = openpyxl.load_workbook(sample_path(FILENAME))
    fut = wb["future"]
    fut["B1"] = "USH4 Comdty"
    for row in list(fut.iter_rows(min_row=2)):
        if row[0].value == "px_last":
            row[1].value = BACK_PRICE
    for r in range(fut.max_row, 1, -1):
        if str(fut.cell(r, 1).value).startswith("fut_"):
            fut.delete_rows(r)
    ws = wb["bonds"]
    head = [c.value for c in ws[1]]
    j = {name: i + 1 for i, name in enumerate(head)}
    for r in range(ws.max_row, 1, -1):
        if ws.cell(r, j["cpn"]).value == 3.5:
            ws.delete_rows(r)
    new = ws.max_row + 1
    for name, value in (("ticker", "T 4.75 11/15/43 Govt"), ("px_last", 99.5),
                        ("maturity", dt.datetime(2043, 11, 15)), ("cpn", 4.75),
                        ("repo_reporate", REPO_PCT)):
        ws.cell(new, j[name], value)
    for r in range(2, ws.max_row + 1):
        m = ws.cell(r, j["maturity"]).value
        ws.cell(r, j["conversion"], float(xlfidx.conversion_factor(
            ws.cell(r, j["cpn"]).value, np.datetime64(m, "D"), "USH4")))
        ws.cell(r, j["int_acc"], None)
    path = tmp_path / "fut_bond_data_USH4_2023-11-21.xlsx"
    wb.save(path)
    return path


def test_cli_roll_with_the_back_export_and_the_warning_without_it(tmp_path, capsys):
    from xlfidx.cli import main

    back = _back_export(tmp_path)
    assert main(["roll", str(sample_path(FILENAME)), "--back-export", str(back)]) == 0
    out = capsys.readouterr().out
    assert "warning:" not in out
    bonds = xlfidx.read_basket(back).market()[0]
    assert (bonds["coupon"] == 4.75).sum() == 2  # the new 20-year bond is in the back's basket
    roll = calendar_roll(**ROLL, back_bonds=bonds, vol_bp=100.0)
    assert f"fair, carry only    {roll.theoretical_spread_32nds:+.3f}/32" in out
    assert f"fair, option-adj.   {roll.option_adjusted_spread_32nds:+.3f}/32" in out
    assert f"implied roll repo   {roll.implied_roll_repo:.3f}%" in out
    assert main(["roll", "--back", "USH4", "--back-price", "116-01"]) == 0
    out = capsys.readouterr().out
    assert "warning: the USH24 basket is taken from the USZ23 basket: notes issued after its " \
           "pricing date are missing" in out
    assert "(the front cheap to the back)" in out and "(the front rich to the back)" in out
    assert main(["roll"]) == 2
    assert "--back" in capsys.readouterr().err


def test_worksheet_calendarroll_takes_the_exports(tmp_path):
    from xlfidx.excel import udfs as u

    def rows(path, sheet):
        wb = openpyxl.load_workbook(path, data_only=True)
        return [list(r) for r in wb[sheet].iter_rows(values_only=True)]

    front = sample_path(FILENAME)
    back = _back_export(tmp_path)
    got = dict(u.CALENDARROLL(rows(front, "bonds"), rows(front, "future"), rows(back, "bonds"),
                              rows(back, "future")))
    roll = calendar_roll(**ROLL, back_bonds=xlfidx.read_basket(back).market()[0], vol_bp=100.0)
    for key in ("implied_roll_repo", "theoretical_spread_32nds", "option_adjusted_spread_32nds"):
        assert got[key] == pytest.approx(getattr(roll, key), abs=1e-12)
    assert got["warnings"] == ""
    one = dict(u.CALENDARROLL(rows(front, "bonds"), rows(front, "future"), "USH4", BACK_PRICE))
    assert "notes issued after its pricing date are missing" in one["warnings"]
    assert "term repo is taken equal to the front's" in one["warnings"]
    assert one["vol_bp"] == 100.0
