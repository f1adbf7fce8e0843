"""Sample basket export: the Dec-2023 T-bond future (USZ3) on 2023-11-21, Bloomberg layout.

The market figures are public and typed in from Bloomberg's DLV screen for USZ3 as published
(settlement 2023-11-22): the 16 deliverable bonds' coupons, maturities and prices, the futures
price 115-31 and the 5.413% term repo. Everything else in the file (accrued interest at T+1,
CME conversion factors, next coupon dates, delivery and last trading days) is computed by
xlfidx itself. These are real market figures, not synthetic ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FILENAME = "fut_bond_data_USZ3_2023-11-21.xlsx"
DESCRIPTION = ("USZ3 deliverable basket on 2023-11-21 in Bloomberg's basket-export layout: real "
               "prices typed in from Bloomberg's published DLV screen; derived fields by xlfidx")

CONTRACT = "USZ3 Comdty"
LAST_UPDATE = "2023-11-21"
FUTURES_PRICE = 115.96875  # 115-31
REPO_PCT = 5.413
# coupon %, maturity, clean price (Bloomberg DLV, 2023-11-22 settlement)
BONDS = [
    (4.500, "2039-08-15", 98.6641), (4.625, "2040-02-15", 99.8203),
    (4.750, "2041-02-15", 100.7734), (4.375, "2040-05-15", 96.6953),
    (4.375, "2039-11-15", 97.0781), (4.250, "2040-11-15", 94.8516),
    (4.250, "2039-05-15", 96.0469), (4.375, "2041-05-15", 96.1250),
    (3.875, "2040-08-15", 90.5938), (4.000, "2042-11-15", 90.4766),
    (3.875, "2043-02-15", 88.7656), (4.375, "2043-08-15", 95.0703),
    (3.375, "2042-08-15", 82.7188), (3.750, "2041-08-15", 88.4766),
    (3.250, "2042-05-15", 81.3828), (3.500, "2039-02-15", 88.1406),
]


def _ticker(coupon: float, maturity: str) -> str:
    y, m, d = maturity.split("-")
    return f"T {coupon:g} {m}/{d}/{y[2:]} Govt"


def write(path: Path) -> None:
    """Write the sample workbook (sheets ``future``, ``bonds``, ``notes``)."""
    import pandas as pd

    from xlfidx.basis import deliverable_basket
    from xlfidx.bonds import accrued_interest, next_coupon_date, settlement_date
    from xlfidx.futures import conversion_factor, last_delivery_day, last_trading_day

    coupon = np.array([b[0] for b in BONDS])
    maturity = np.array([b[1] for b in BONDS], dtype="datetime64[D]")
    price = np.array([b[2] for b in BONDS])
    update = np.datetime64(LAST_UPDATE)
    settle = settlement_date(update)
    bonds = pd.DataFrame({
        "ticker": [_ticker(c, m) for c, m, _ in BONDS],
        "last_update_dt": pd.Timestamp(LAST_UPDATE),
        "px_last": price,
        "maturity": pd.to_datetime(maturity),
        "cpn": coupon,
        "nxt_cpn_dt": pd.to_datetime(next_coupon_date(maturity, settle)),
        "int_acc": accrued_interest(coupon, maturity, settle),
        "repo_reporate": REPO_PCT,
        "conversion": conversion_factor(coupon, maturity, CONTRACT),
    })
    dlv = deliverable_basket(bonds.rename(columns={"cpn": "coupon", "px_last": "price"}),
                             FUTURES_PRICE, CONTRACT, settle, REPO_PCT)
    ctd = dlv.iloc[0]
    future = pd.DataFrame({
        "field": ["last_update_dt", "px_last", "last_tradeable_dt", "fut_dlv_dt_last", "fut_ctd",
                  "fut_ctd_px", "fut_ctd_gross_basis"],
        CONTRACT: [pd.Timestamp(LAST_UPDATE), FUTURES_PRICE, pd.Timestamp(last_trading_day(CONTRACT, maturity)),
                   pd.Timestamp(last_delivery_day(CONTRACT, maturity)), ctd["ticker"].replace(" Govt", ""),
                   ctd["price"], ctd["gross_basis_32nds"]],
    })
    notes = pd.DataFrame({"notes": [
        "xlfidx sample basket export (Bloomberg basket layout: sheets 'future' and 'bonds').",
        "Real market figures: coupons, maturities and clean prices of the 16 USZ3 deliverables,",
        "the futures price 115-31 and the 5.413% repo, typed in from Bloomberg's published DLV",
        "screen for settlement 2023-11-22. int_acc (at T+1), conversion (CME), nxt_cpn_dt,",
        "last_tradeable_dt, fut_dlv_dt_last and the CTD fields were computed by xlfidx.",
        "Written by xlfidx.samples.basket (xlfidx make-sample-data).",
    ]})
    from xlfidx._files import atomic_write

    with atomic_write(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        future.to_excel(xw, sheet_name="future", index=False)
        bonds.to_excel(xw, sheet_name="bonds", index=False)
        notes.to_excel(xw, sheet_name="notes", index=False)
        from xlfidx.excel.layout import fit_sheet

        for ws in xw.book.worksheets:  # dates as dates, every header and value shown in full
            fit_sheet(ws)
