"""The real notebooks run through tests/test_real_notebooks.py (check, parity, alone); without this,
`pytest --nbval --etlnb` would run each again (nbval, and a second parity)."""

collect_ignore_glob = ["*/*"]
