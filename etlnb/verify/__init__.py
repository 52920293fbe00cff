"""Verification: the sample run and its witness, capture of step values, parity between notebook and flow, the pytest plugin."""
