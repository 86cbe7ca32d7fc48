"""Judging and reporting: pure metrics, statistics and budgets, the record of
one board × model, history, and the report writers (JUnit properties come
from the plugin; results.json, report.html, manifest.json, terminal table).

May import config and the bottom modules only: it never touches a board.
"""
