"""Readers for Bloomberg Excel exports, one module per export layout.

- ``basket``: a Treasury futures deliverable basket (sheets ``future`` and ``bonds``).
- ``fedfutures``: Fed funds futures chains, spot and meetings.
- ``history``: daily MBS and futures histories (tidy or BDH side-by-side blocks).

Cells holding ``#N/A N/A``, blanks or text where a number belongs are reported by ticker and
field, never silently turned into numbers.
"""
