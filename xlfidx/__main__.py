"""``python -m xlfidx``: the command line."""

from xlfidx.cli import main

raise SystemExit(main())
