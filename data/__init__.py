"""The shipped sample data, as package data of xlfidx (``xlfidx.sample_data``).

Every file here is written by ``xlfidx make-sample-data`` (the generators in
``xlfidx/samples/``); see the README, "Sample data", for what each file is.
"""
