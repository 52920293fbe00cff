"""The faithful-execution corpus is run by tests/test_faithful.py, not collected directly:
`pytest --nbval --etlnb` would otherwise execute every notebook here (refusal cases included)."""

collect_ignore_glob = ["*/*"]
