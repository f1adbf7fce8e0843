"""The front-end workbooks and their Run-main modules, as package data of xlfidx
(``xlfidx.workbooks``), rebuilt by ``xlfidx build-workbooks``.
"""
