"""With an export's own defaults, xlfidx's DLV agrees with every Bloomberg figure the export
carries: the CTD (``fut_ctd``), its gross and net basis (``fut_ctd_gross_basis``,
``fut_ctd_net_basis``, 32nds), the conversion factors (``conversion``) and the accrued interest
(``int_acc``). The figures are those typed in ``published.py`` from the TYZ4 export
(fut_bond_data_TYZ4_2024-08-01.xlsx), read from the written copy of that export in each layout
the tests write, and from the real file where ``../shared`` is present.

Bloomberg prices the basis at a term repo to delivery; the export's ``repo_reporate`` (5.375%) is
an overnight rate. The default repo of an export carrying ``fut_ctd_net_basis`` is the term repo
that reproduces it (spec §3, "Default repo of an export").
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import published as pub
import pytest
from bloomberg_files import NA, write_basket_export

import xlfidx
from xlfidx.cli import main

FUT = dict(pub.TYZ4_FUTURE)
BONDS = {r[0]: dict(zip(pub.TYZ4_BOND_FIELDS, r, strict=True)) for r in pub.TYZ4_BONDS}
TOL_32NDS = 0.001


def _rows(path, sheet):
    wb = openpyxl.load_workbook(path, data_only=True)
    return [list(r) for r in wb[sheet].iter_rows(values_only=True)]


def _shuffled(rows):
    """Columns reversed, our names for three fields, a blank column and blank rows."""
    ours = {"cpn": "coupon", "px_last": "price", "conversion": "cf"}
    head = [ours.get(h, h) for h in rows[0]]
    order = list(reversed(range(len(head))))
    out = [[None] + [r[j] for j in order] for r in [head, *rows[1:]]]
    return out + [[None] * len(out[0]) for _ in range(3)]


def _basket(layout, path):
    from xlfidx.bloomberg.basket import basket_from_rows

    if layout == "file":
        return xlfidx.read_basket(path)
    bonds = _rows(path, "bonds")
    return basket_from_rows(_shuffled(bonds) if layout == "shuffled rows" else bonds,
                            _rows(path, "future"))


LAYOUTS = ["file", "rows", "shuffled rows"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_bloomberg_figure_with_the_exports_defaults(tyz4_xlsx, layout):
    basket = _basket(layout, tyz4_xlsx)
    dlv = basket.dlv()
    ctd = dlv.ctd
    assert ctd["ticker"] == pub.TYZ4_CTD[0]                       # fut_ctd T 4.25 06/30/31
    assert ctd["price"] == FUT["fut_ctd_px"]
    assert abs(ctd["net_basis_32nds"] - FUT["fut_ctd_net_basis"]) <= TOL_32NDS
    assert abs(ctd["gross_basis_32nds"] - FUT["fut_ctd_gross_basis"]) <= TOL_32NDS
    t = dlv.table.set_index("ticker")
    for ticker, b in BONDS.items():
        assert t.loc[ticker, "cf"] == b["conversion"]
        assert t.loc[ticker, "accrued"] == pytest.approx(b["int_acc"], abs=1e-12)


def test_the_term_repo_written_out(tyz4_written):
    """Bloomberg's net basis of T 4.25 06/30/31 at 2024-08-05 settlement for delivery on
    2024-12-31, the bond's own coupon date (the coupon is received before delivery, τ = 0 after
    it, and the accrued at delivery is nil): net basis = (P + AI)(1 + r·d/360) − C − CF·F, so
    r = ((CF·F + net basis + C)/(P + AI) − 1)·360/d."""
    ai = BONDS["91282CKW Govt"]["int_acc"]
    p, c, cf, f = FUT["fut_ctd_px"], 4.25 / 2, 0.9069, FUT["px_last"]
    d = (dt.date(2024, 12, 31) - dt.date(2024, 8, 5)).days
    r = ((cf * f + FUT["fut_ctd_net_basis"] / 32 + c) / (p + ai) - 1) * 360 / d * 100
    basket = xlfidx.read_basket(tyz4_written)
    assert basket.repo == pytest.approx(r, abs=1e-12)
    assert round(r, 3) == 4.914
    assert xlfidx.implied_repo(p, 4.25, "2031-06-30", f, cf, "2024-08-05", "2024-12-31",
                               FUT["fut_ctd_net_basis"] / 32) == pytest.approx(r, abs=1e-12)


def test_the_header_says_where_the_repo_comes_from(tyz4_xlsx):
    basket = xlfidx.read_basket(tyz4_xlsx)
    assert basket.dlv().header().split("  repo ")[1].startswith(
        "4.914% (term, implied by Bloomberg's CTD net basis; repo_reporate 5.375% overnight)")
    over = basket.dlv(repo=5.375)
    assert "repo 5.375% (given; Act/360)" in over.header()
    # at the overnight rate the net basis is the 8.97/32 a trader would not recognise
    assert over.ctd["net_basis_32nds"] == pytest.approx(8.9678, abs=1e-4)


def test_export_without_the_net_basis_keeps_repo_reporate(tmp_path):
    path = write_basket_export(tmp_path / "no_nb.xlsx", future_edits={"fut_ctd_net_basis": NA})
    basket = xlfidx.read_basket(path)
    assert basket.repo == 5.375
    assert "repo 5.375% (repo_reporate; Act/360)" in basket.dlv().header()
    # the shipped USZ3 sample carries no fut_ctd_net_basis either
    assert xlfidx.read_basket(
        xlfidx.samples.sample_path("fut_bond_data_USZ3_2023-11-21.xlsx")).repo == 5.413


def test_a_given_futures_price_keeps_the_exports_term_repo(tyz4_written):
    own = xlfidx.read_basket(tyz4_written)
    moved = xlfidx.read_basket(tyz4_written, futures_price=114.0)
    assert moved.repo == own.repo and moved.repo_note == own.repo_note
    assert moved.dlv().ctd["net_basis_32nds"] == pytest.approx(
        FUT["fut_ctd_net_basis"] + 0.9069 * (FUT["px_last"] - 114.0) * 32, abs=1e-9)


def test_reader_names_the_fields_it_does_not_use(tyz4_xlsx):
    [note] = [n for n in xlfidx.read_basket(tyz4_xlsx).notes if n.startswith("bond fields not used")]
    assert "basis_mid (refers to another contract: the CTD's is 43.820/32 where TYZ4 Comdty's " \
           "is -9.673/32)" in note
    assert "repo_implied_reporate (refers to another contract: the CTD's is 3.590%" in note
    for field in ("dur_adj_mid", "nxt_cpn_dt", "days_acc", "days_to_mty"):
        assert field in note


def test_cli_dlv_ends_with_the_comparison(tyz4_xlsx, capsys):
    assert main(["dlv", str(tyz4_xlsx)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert "repo 4.914% (term, implied by Bloomberg's CTD net basis" in out[0]
    last = out[-1]
    assert last.startswith("Bloomberg vs xlfidx: CTD T 4.25 06/30/31 = 91282CKW Govt")
    assert "gross basis -9.673/32 vs -9.673/32" in last and "net basis 2.684/32 vs 2.684/32" in last
    assert "CF (conversion) 8 of 8 equal" in last and "accrued (int_acc) 8 of 8 equal" in last
    assert main(["dlv", str(tyz4_xlsx), "--repo", "5.375"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert "net basis 2.684/32 vs 8.968/32" in out[-1] and "(given; Act/360)" in out[0]


def test_worksheet_dlv_defaults_and_override(tyz4_written):
    from xlfidx.excel import udfs as u

    bonds, future = _rows(tyz4_written, "bonds"), _rows(tyz4_written, "future")
    for args, want in (((), FUT["fut_ctd_net_basis"]), ((None, None, 5.375), 8.9678)):
        out = u.DLV(bonds, future, *args)
        head = out[0]
        row = out[1]
        assert row[head.index("ticker")] == pub.TYZ4_CTD[0]
        assert row[head.index("net_basis_32nds")] == pytest.approx(want, abs=1e-3)
    info = dict((r[0], r[1]) for r in u.DLVINFO(bonds, future))
    assert info["repo %"] == pytest.approx(4.9145, abs=1e-4)


def test_basket_dlv_repo_override_and_objects(tyz4_written):
    basket = xlfidx.read_basket(tyz4_written)
    a = basket.dlv(repo=4.0).ctd["net_basis_32nds"]
    b = xlfidx.BondFuture("TYZ4").dlv(basket, repo=4.0).ctd["net_basis_32nds"]
    assert a == b and a < FUT["fut_ctd_net_basis"]  # a lower repo, more carry, less net basis
    assert np.isfinite(a)
