"""Run main for basis.xlsm: the xlwings ribbon's "Run main" calls ``main()`` here.

It recalculates the DLV sheet (every formula, after you paste a new export over the 'future' and 'bonds' sheets). Progress shows in Excel's status bar; a failure shows as a message. The same refresh
runs headless with ``xlfidx refresh workbooks/basis.xlsm``.
"""

from xlfidx.excel.refresh import run_main


def main() -> None:
    run_main()


if __name__ == "__main__":  # python basis.py with the book open in Excel (Windows/macOS)
    import xlwings as xw

    xw.Book("basis.xlsm").set_mock_caller()
    main()
