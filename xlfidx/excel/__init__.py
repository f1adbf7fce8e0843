"""The Excel layer: worksheet functions, workbooks, refresh and headless recalculation.

The only part of xlfidx that knows Excel, xlwings or workbook files. Importing this package
imports nothing heavy: Excel loads :mod:`xlfidx.excel.udfs` on its first call.
"""
