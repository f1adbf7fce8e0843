"""Run main for mbs_trend.xlsm: the xlwings ribbon's "Run main" calls ``main()`` here.

It reruns the MBS trend backtest on the history sheets with the Settings sheet and rewrites the Backtest sheet (summary and charts), then recalculates (the Hedge sheet). Progress shows in Excel's status bar; a failure shows as a message. The same refresh
runs headless with ``xlfidx refresh workbooks/mbs_trend.xlsm``.
"""

from xlfidx.excel.refresh import run_main


def main() -> None:
    run_main()


if __name__ == "__main__":  # python mbs_trend.py with the book open in Excel (Windows/macOS)
    import xlwings as xw

    xw.Book("mbs_trend.xlsm").set_mock_caller()
    main()
