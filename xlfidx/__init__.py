"""xlfidx: fixed-income derivatives analytics for Excel, with a pure-Python core.

The public API is imported lazily (PEP 562): ``import xlfidx`` costs almost nothing, which
matters because Excel pays for the import of the worksheet-function module on its first call.
Each public name lives in the module of the concept a trader names it by.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "XlfidxError": "errors",
    "InputError": "errors",
    "MissingDataError": "errors",
    # Treasury notes and bonds
    "Treasury": "bonds",
    "accrued_interest": "bonds",
    "settlement_date": "bonds",
    "bond_price": "bonds",
    "bond_yield": "bonds",
    "bond_dv01": "bonds",
    "modified_duration": "bonds",
    # Treasury futures contracts
    "BondFuture": "basket",
    "conversion_factor": "futures",
    "parse_contract": "futures",
    "is_deliverable": "futures",
    "first_delivery_day": "futures",
    "last_delivery_day": "futures",
    "last_trading_day": "futures",
    "CONTRACTS": "futures",
    # basis
    "gross_basis": "basis",
    "forward_price": "basis",
    "carry": "basis",
    "net_basis": "basis",
    "implied_repo": "basis",
    "invoice_price": "basis",
    "futures_dv01": "basis",
    "cheapest_to_deliver": "basis",
    "deliverable_basket": "basis",
    "dlv_table": "basis",
    "DLVTable": "basis",
    "DeliverableBasket": "basket",
    # what gets delivered: CTD scenarios, the delivery option, the calendar roll, DLV history
    "ctd_scenarios": "delivery",
    "ctd_switches": "delivery",
    "delivery_option": "delivery",
    "DeliveryOption": "delivery",
    "calendar_roll": "delivery",
    "CalendarRoll": "delivery",
    "dlv_history": "delivery",
    # prices in 32nds
    "parse_32nds": "quotes",
    "format_32nds": "quotes",
    # Bloomberg exports
    "read_basket_export": "bloomberg.basket",
    "read_basket": "bloomberg.basket",
    # hedging
    "CME_TBA_ICS_MENU": "hedging",
    "tba_dv01": "hedging",
    "ics_ratio": "hedging",
    "hedge_contracts": "hedging",
    "spread_price": "hedging",
    "spread_pnl": "hedging",
    "margin_with_offset": "hedging",
    "hedge_weights": "hedging",
    "hedge_weights_history": "hedging",
    # MBS trend-convexity backtest (the MBS hedge study)
    "read_history": "bloomberg.history",
    "run_backtest": "backtest",
    "BacktestConfig": "backtest",
    "BacktestResult": "backtest",
    "ewmac": "trend",
    # fed funds futures: policy path and FedWatch probabilities
    "fed_funds_curve": "fedfunds",
    "fed_path": "fedfunds",
    "FedFundsChain": "fedfunds",
    "fed_path_by_month": "fedfunds",
    "fed_probabilities": "fedfunds",
    "fedwatch_tree": "fedfunds",
    "compare_fed_paths": "fedfunds",
    "fomc_meetings": "fedfunds",
    "read_fedfutures_export": "bloomberg.fedfutures",
    # SOFR futures (SR1, SR3): the same path and odds from SOFR
    "SofrChain": "sofr",
    "sofr_path": "sofr",
    "sofr_probabilities": "sofr",
    "sofr_futures_rate": "sofr",
    "sofr_contract": "sofr",
    "compare_sofr_fed": "sofr",
    "read_sofr_export": "bloomberg.sofr",
    # Bloomberg formula books to fill on a terminal
    "write_basket_template": "bloomberg.templates",
    "write_fedfutures_template": "bloomberg.templates",
    "write_history_template": "bloomberg.templates",
    "write_sofr_template": "bloomberg.templates",
    # Excel: the add-in xlfidx.xlam runs ``import xlfidx; xlfidx.main()`` (its file's name) when
    # its Refresh backtest button is pressed: refresh the active workbook
    "main": "excel.addin",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'xlfidx' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"xlfidx.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
