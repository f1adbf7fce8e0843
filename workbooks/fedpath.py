"""Run main for fedpath.xlsm: the xlwings ribbon's "Run main" calls ``main()`` here.

It recalculates the FEDPATH sheet (after you paste new chains over the dated sheets). Progress shows in Excel's status bar; a failure shows as a message. The same refresh
runs headless with ``xlfidx refresh workbooks/fedpath.xlsm``.
"""

from xlfidx.excel.refresh import run_main


def main() -> None:
    run_main()


if __name__ == "__main__":  # python fedpath.py with the book open in Excel (Windows/macOS)
    import xlwings as xw

    xw.Book("fedpath.xlsm").set_mock_caller()
    main()
