"""Benchmarks for the budgets of PRODUCT.md §12 (`make bench`, or `python -m bench NAME`)."""
