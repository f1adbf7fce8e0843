"""Readers for Bloomberg Excel exports, one module per export layout.

- ``basket``: a Treasury futures deliverable basket (sheets ``future`` and ``bonds``).
- ``fedfutures``: Fed funds futures chains, spot and meetings.
- ``history``: daily MBS and futures histories (tidy or BDH side-by-side blocks).
- ``templates``: books of Bloomberg formulas that fill into those layouts on a terminal.
- ``formulas``: is a book's Bloomberg data there yet (the readers refuse one that is not).

Cells holding ``#N/A N/A``, blanks or text where a number belongs are reported by ticker and
field, never silently turned into numbers.
"""
