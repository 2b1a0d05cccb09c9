"""Benchmark scripts: run them as ``.venv/bin/python bench/NAME.py``; they print, never assert."""
