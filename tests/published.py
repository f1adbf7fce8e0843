"""Published figures the tests assert, typed in by hand with their sources.

Nothing here was computed by xlfidx. Each table names where its figures were published; where
the reference files and the real Bloomberg exports are available beside the repository,
``test_published.py`` checks that every figure typed here equals its source.
"""

from __future__ import annotations

from typing import Any


def as_records(columns: tuple[str, ...], rows: list[tuple]) -> list[dict[str, Any]]:
    """One dict per row, keyed by column name (the shape ``csv.DictReader`` gives)."""
    return [dict(zip(columns, r, strict=True)) for r in rows]


# ---------------------------------------------------------------------------------------------
# CME conversion factors, exact at 4 decimals.
# Rows 1-5: CME Group, "Calculating U.S. Treasury Futures Conversion Factors", examples 1-5.
# Rows 6-21: the conversion factors Bloomberg's DLV screen shows for the 16 bonds deliverable
# into the Dec-2023 bond future (USZ3).
# ---------------------------------------------------------------------------------------------
CF_VECTORS_COLUMNS = ("contract", "delivery_month", "coupon_pct", "maturity", "cf", "source")
CF_VECTORS = [
    ("TU", "2008-12", 1.500, "2010-10-31", 0.9229, "CME conversion factor example 1"),
    ("3Y", "2009-03", 1.125, "2012-01-15", 0.8747, "CME conversion factor example 2"),
    ("FV", "2008-12", 2.750, "2013-10-31", 0.8653, "CME conversion factor example 3"),
    ("TY", "2008-12", 3.750, "2018-11-15", 0.8357, "CME conversion factor example 4"),
    ("US", "2008-12", 4.500, "2038-05-15", 0.7943, "CME conversion factor example 5"),
    ("US", "2023-12", 4.500, "2039-08-15", 0.8500, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 4.625, "2040-02-15", 0.8598, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 4.750, "2041-02-15", 0.8679, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 4.375, "2040-05-15", 0.8327, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 4.375, "2039-11-15", 0.8358, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 4.250, "2040-11-15", 0.8166, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 4.250, "2039-05-15", 0.8267, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 4.375, "2041-05-15", 0.8268, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 3.875, "2040-08-15", 0.7794, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 4.000, "2042-11-15", 0.7766, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 3.875, "2043-02-15", 0.7610, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 4.375, "2043-08-15", 0.8147, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 3.375, "2042-08-15", 0.7091, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 3.750, "2041-08-15", 0.7583, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 3.250, "2042-05-15", 0.6974, "Bloomberg DLV USZ3"),
    ("US", "2023-12", 3.500, "2039-02-15", 0.7550, "Bloomberg DLV USZ3"),
]

# ---------------------------------------------------------------------------------------------
# Bloomberg's DLV screen for the Dec-2023 bond future (USZ3), as shown on screen (3 decimals),
# in the screen's order (highest implied repo first; the CTD is the 4.5% of 2039-08-15).
# Inputs: futures 115.9688, settlement 2023-11-22, delivery 2023-12-29 (the last delivery
# day), repo 5.413% Act/360. Tolerance: 0.001 on gross basis and net basis (points) and on
# implied repo (percent); conversion factors exact.
# ---------------------------------------------------------------------------------------------
USZ3_DLV_INPUTS = dict(futures_price=115.9688, contract="USZ3", settle="2023-11-22", repo=5.413,
                       delivery="2023-12-29")
USZ3_DLV_COLUMNS = ("coupon_pct", "maturity", "price", "cf", "gross_basis", "implied_repo_pct",
                    "net_basis")
USZ3_DLV = [
    (4.500, "2039-08-15", 98.6641, 0.8500, 0.091, 3.525, 0.194),
    (4.625, "2040-02-15", 99.8203, 0.8598, 0.110, 3.414, 0.208),
    (4.750, "2041-02-15", 100.7734, 0.8679, 0.124, 3.370, 0.214),
    (4.375, "2040-05-15", 96.6953, 0.8327, 0.128, 3.183, 0.222),
    (4.375, "2039-11-15", 97.0781, 0.8358, 0.151, 2.937, 0.247),
    (4.250, "2040-11-15", 94.8516, 0.8166, 0.151, 2.875, 0.248),
    (4.250, "2039-05-15", 96.0469, 0.8267, 0.176, 2.596, 0.278),
    (4.375, "2041-05-15", 96.1250, 0.8268, 0.242, 2.050, 0.333),
    (3.875, "2040-08-15", 90.5938, 0.7794, 0.208, 1.931, 0.328),
    (4.000, "2042-11-15", 90.4766, 0.7766, 0.415, -0.093, 0.512),
    (3.875, "2043-02-15", 88.7656, 0.7610, 0.513, -1.341, 0.623),
    (4.375, "2043-08-15", 95.0703, 0.8147, 0.591, -1.523, 0.686),
    (3.375, "2042-08-15", 82.7188, 0.7091, 0.485, -1.698, 0.611),
    (3.750, "2041-08-15", 88.4766, 0.7583, 0.537, -1.744, 0.658),
    (3.250, "2042-05-15", 81.3828, 0.6974, 0.506, -2.101, 0.629),
    (3.500, "2039-02-15", 88.1406, 0.7550, 0.584, -2.537, 0.728),
]

# ---------------------------------------------------------------------------------------------
# The real Bloomberg basket export for the Dec-2024 10-year note future (TYZ4), priced
# 2024-08-01 (file fut_bond_data_TYZ4_2024-08-01.xlsx, sheets `future` and `bonds`), typed in
# cell by cell. Dates are ISO text here; the written copy stores them as datetimes, as
# Bloomberg does. The blank basis_mid of 91282CFV is the export's own: an empty text cell.
# What the tests assert from it: `conversion` is CME's factor (exact); `int_acc` is accrued
# interest at T+1 settlement, 2024-08-05; `nxt_cpn_dt`; the CTD is 91282CKW (T 4.25 06/30/31)
# with gross basis -9.67291/32; the last trading and delivery days; `dur_adj_mid` to 0.002
# (Bloomberg's own yield convention); `fut_ctd_net_basis` (2.684/32) at the export's default
# repo, the term repo that reproduces it (Bloomberg prices the basis at a term rate; the bonds'
# `repo_reporate` 5.375% is overnight). Never asserted: `repo_implied_reporate` and `basis_mid`
# (they refer to another contract: 3.59% and 43.82/32 for the CTD against TYZ4's 4.72%, -9.67).
# ---------------------------------------------------------------------------------------------
TYZ4_FILENAME = "fut_bond_data_TYZ4_2024-08-01.xlsx"
TYZ4_CONTRACT = "TYZ4 Comdty"
TYZ4_FUTURE = [
    ("last_update_dt", "2024-08-02"),
    ("px_last", 114.234375),
    ("last_tradeable_dt", "2024-12-19"),
    ("fut_dlv_dt_last", "2024-12-31"),
    ("fut_days_expire", 139),
    ("fut_ctd", "T 4.25 06/30/31"),
    ("fut_ctd_px", 103.296875),
    ("fut_ctd_gross_basis", -9.672909789499954),
    ("fut_ctd_net_basis", 2.684063259412928),
]
TYZ4_DATE_FIELDS = ("last_update_dt", "last_tradeable_dt", "fut_dlv_dt_last", "maturity",
                    "nxt_cpn_dt")
TYZ4_BOND_FIELDS = (
    "ticker", "last_update_dt", "px_last", "maturity", "days_to_mty", "dur_adj_mid", "cpn",
    "nxt_cpn_dt", "days_to_next_coupon", "int_acc", "accrued_days_between_cpn_dates",
    "days_acc", "basis_mid", "repo_implied_reporate", "repo_reporate", "conversion",
)
TYZ4_BONDS = [
    ("91282CCS Govt", "2024-08-02", 84.84375, "2031-08-15", 2566, 6.550426483922921, 1.25,
     "2024-08-15", 10, 0.5906593406593407, 182, 172, 46.25374639250003, 3.646209103119524,
     5.375, 0.7474),
    ("91282CDJ Govt", "2024-08-02", 85.0625, "2031-11-15", 2658, 6.763513204255704, 1.375,
     "2024-11-15", 102, 0.3063858695652174, 184, 82, 55.779, 3.623413265102656, 5.375, 0.7463),
    ("91282CDY Govt", "2024-08-02", 87.796875, "2032-02-15", 2750, 6.816994490574774, 1.875,
     "2024-08-15", 10, 0.885989010989011, 182, 172, 65.71775000000025, 3.675354266172103,
     5.375, 0.767),
    ("91282CEP Govt", "2024-08-02", 94.078125, "2032-05-15", 2840, 6.820612304571005, 2.875,
     "2024-11-15", 102, 0.640625, 184, 82, 75.04874999999993, 3.644107246550732, 5.375, 0.8184),
    # the export stores this price as the whole number 93
    ("91282CFF Govt", "2024-08-02", 93, "2032-08-15", 2932, 6.990905071304825, 2.75,
     "2024-08-15", 10, 1.299450549450549, 182, 172, 86.00325000000021, 3.692673175373685,
     5.375, 0.806),
    ("91282CFV Govt", "2024-08-02", 102.53125, "2032-11-15", 3024, 6.921133849383482, 4.125,
     "2024-11-15", 102, 0.9191576086956522, 184, 82, "", 3.649616711287203, 5.375, 0.8851),
    ("91282CKW Govt", "2024-08-02", 103.296875, "2031-06-30", 2520, 5.937053499891134, 4.25,
     "2024-12-31", 148, 0.4157608695652174, 184, 36, 43.81999639249989, 3.590292295263531,
     5.375, 0.9069),
    ("91282CLD Govt", "2024-08-02", 102.546875, "2031-07-31", 2551, 6.038216712204028, 4.125,
     "2025-01-31", 179, 0.05604619565217391, 184, 5, 44.96174639250012, 3.594132816671635,
     5.375, 0.9003),
]
# the CTD and its gross basis in 32nds, as published with the export
TYZ4_CTD = ("91282CKW Govt", -9.67291)

# ---------------------------------------------------------------------------------------------
# The real Bloomberg Fed funds futures export priced 2025-01-31 (file
# fedfutures_2025-01-31.xlsx), typed in cell by cell: the chain on three pricing dates (a
# sheet each; only the latest has open_int), the `fed funds` sheet of spot rates (its dates
# are text in the export) and the `fed meetings` sheet (datetimes; 2026 approximated).
# ---------------------------------------------------------------------------------------------
FEDFUTURES_FILENAME = "fedfutures_2025-01-31.xlsx"
FEDFUTURES_CHAINS = {
    "2025-01-31": [
        ("FFG5 Comdty", 95.675, "2025-02-28", 503574),
        ("FFH5 Comdty", 95.69, "2025-03-31", 320421),
        ("FFJ5 Comdty", 95.715, "2025-04-30", 318741),
        ("FFK5 Comdty", 95.77, "2025-05-30", 360361),
        ("FFM5 Comdty", 95.83, "2025-06-30", 156189),
        ("FFN5 Comdty", 95.9, "2025-07-31", 194301),
        ("FFQ5 Comdty", 95.95, "2025-08-29", 70271),
        ("FFU5 Comdty", 95.985, "2025-09-30", 46060),
        ("FFV5 Comdty", 96.03, "2025-10-31", 52800),
        ("FFX5 Comdty", 96.07, "2025-11-28", 28439),
        ("FFZ5 Comdty", 96.1, "2025-12-31", 14771),
        ("FFF6 Comdty", 96.12, "2026-01-30", 21311),
        ("FFG6 Comdty", 96.135, "2026-02-27", 5135),
        ("FFH6 Comdty", 96.14, "2026-03-31", 1167),
    ],
    "2025-01-26": [
        ("FFG5 Comdty", 95.675, "2025-02-28"),
        ("FFH5 Comdty", 95.705, "2025-03-31"),
        ("FFJ5 Comdty", 95.755, "2025-04-30"),
        ("FFK5 Comdty", 95.81, "2025-05-30"),
        ("FFM5 Comdty", 95.875, "2025-06-30"),
        ("FFN5 Comdty", 95.955, "2025-07-31"),
        ("FFQ5 Comdty", 96.005, "2025-08-29"),
        ("FFU5 Comdty", 96.04, "2025-09-30"),
        ("FFV5 Comdty", 96.085, "2025-10-31"),
        ("FFX5 Comdty", 96.13, "2025-11-28"),
        ("FFZ5 Comdty", 96.165, "2025-12-31"),
        ("FFF6 Comdty", 96.18, "2026-01-30"),
        ("FFG6 Comdty", 96.19, "2026-02-27"),
        ("FFH6 Comdty", 96.19, "2026-03-31"),
    ],
    "2024-07-29": [
        ("FFQ4 Comdty", 94.6825, "2024-08-30"),
        ("FFU4 Comdty", 94.79, "2024-09-30"),
        ("FFV4 Comdty", 94.95, "2024-10-31"),
        ("FFX4 Comdty", 95.075, "2024-11-29"),
        ("FFZ4 Comdty", 95.205, "2024-12-31"),
        ("FFF5 Comdty", 95.35, "2025-01-31"),
        ("FFG5 Comdty", 95.515, "2025-02-28"),
        ("FFH5 Comdty", 95.6, "2025-03-31"),
        ("FFJ5 Comdty", 95.73, "2025-04-30"),
        ("FFK5 Comdty", 95.865, "2025-05-30"),
        ("FFM5 Comdty", 95.97, "2025-06-30"),
        ("FFN5 Comdty", 96.045, "2025-07-31"),
        ("FFQ5 Comdty", 96.145, "2025-08-29"),
        ("FFU5 Comdty", 96.195, "2025-09-30"),
    ],
}
FEDFUTURES_SPOT = [("2025-01-26", 4.33), ("2025-01-31", 4.33), ("2024-07-29", 5.33)]
FEDFUTURES_MEETINGS = ["2025-03-19", "2025-05-07", "2025-06-18", "2025-07-30", "2025-09-17",
                       "2025-10-29", "2025-12-10", "2026-01-29", "2026-03-18"]

# ---------------------------------------------------------------------------------------------
# The expected effective Fed funds rate after each month from the 2025-01-31 chain of that
# export, spot 4.33% (the reference path published with it). Tolerance 1 bp: its day count
# differs slightly from ours (counting conventions move values by < 0.6 bp). A blank
# meeting_date is a month without an FOMC meeting.
# ---------------------------------------------------------------------------------------------
FEDPATH_COLUMNS = ("month", "meeting_date", "futures_rate_pct", "expected_effr_pct")
FEDPATH_2025_01_31 = [
    ("2025-02", None, 4.3250, 4.330000),
    ("2025-03", "2025-03-19", 4.3100, 4.285000),
    ("2025-04", None, 4.2850, 4.285000),
    ("2025-05", "2025-05-07", 4.2300, 4.213261),
    ("2025-06", "2025-06-18", 4.1700, 4.105109),
    ("2025-07", "2025-07-30", 4.1000, 4.050000),
    ("2025-08", None, 4.0500, 4.050000),
    ("2025-09", "2025-09-17", 4.0150, 3.969231),
    ("2025-10", "2025-10-29", 3.9700, 3.930000),
    ("2025-11", None, 3.9300, 3.930000),
    ("2025-12", "2025-12-10", 3.9000, 3.885714),
    ("2026-01", "2026-01-29", 3.8800, 3.865000),
    ("2026-02", None, 3.8650, 3.865000),
]

# ---------------------------------------------------------------------------------------------
# CME's TBA/Treasury spread note: "30-Year UMBS/10-Year Note futures - Jul/Sep ICS ratios and
# DV01s" (Jul-24 UMBS TBA futures vs Sep-24 10-year note futures; the 1:1 spreads, listed
# separately, left out). Ratios exact, each the nearest of the menu 4:5, 7:8, 9:10, 6:5, 5:4,
# 3:2, 9:5, 2:1; the 20U row lies within the cents rounding of its DV01s of the midpoint
# between 4:5 and 7:8.
# ---------------------------------------------------------------------------------------------
TBA_ICS_COLUMNS = ("spread", "tba_leg", "tba_dv01", "treasury_leg", "treasury_dv01",
                   "tba_contracts", "treasury_contracts", "price_ratio")
TBA_ICS_JUL24 = [
    ("UPN", "20UN4", 72.70, "ZNU4", 60.89, 4, 5, 0.8000),
    ("UQN", "25UN4", 69.41, "ZNU4", 60.89, 7, 8, 0.8750),
    ("URN", "30UN4", 68.40, "ZNU4", 60.89, 9, 10, 0.9000),
    ("UTN", "35UN4", 64.39, "ZNU4", 60.89, 9, 10, 0.9000),
    ("UUN", "40UN4", 58.30, "ZNU4", 60.89, 9, 10, 0.9000),
    ("NTU", "45UN4", 51.79, "ZNU4", 60.89, 6, 5, 1.2000),
    ("THN", "50UN4", 46.16, "ZNU4", 60.89, 5, 4, 1.2500),
    ("UVN", "55UN4", 39.27, "ZNU4", 60.89, 3, 2, 1.5000),
    ("UWN", "60UN4", 33.85, "ZNU4", 60.89, 9, 5, 1.8000),
    ("UYN", "65UN4", 27.92, "ZNU4", 60.89, 2, 1, 2.0000),
]

# ---------------------------------------------------------------------------------------------
# The worked figures of CME's TBA/Treasury spread note (the tests in test_hedging.py type the
# same numbers next to their assertions; test_published.py checks both against the note).
# ---------------------------------------------------------------------------------------------
CME_TBA_NOTE = {
    # 5.5% 30-year UMBS TBA on 2024-04-15: price 97.3242, AI-Dur 4.0347 -> DV01 $39.267
    "tba_dv01": (97.3242, 4.0347, 39.267),
    # margin of long TY + short 60U: ($2,656 + $2,250) * (1 - 70%) = $1,472;
    # long FV + short 60U: ($1,750 + $2,250) * (1 - 60%) = $1,600
    "margin_offsets": [(2656, 2250, 0.70, 1472), (1750, 2250, 0.60, 1600)],
    # 55U/ZN spread (3:2), short the spread: TBA price, ZN price, spread price by day
    "spread_prices": [("3/22/23", 101.016, 113.719, 75.61), ("3/23/23", 101.219, 115.984, 71.689),
                      ("9/27/23", 96.312, 107.578, 73.78), ("9/28/23", 96.547, 107.859, 73.923),
                      ("9/29/23", 96.719, 108.062, 74.033)],
    # P&L of short the spread: +$3,921 (banking crisis), -$253 (27-29 Sep 2023)
    "spread_pnl": (3921, -253),
}
