"""Running models on boards: the farm over every board × model, one board's
run with escalating recovery, the per-sample journal, models and their host
reference, parallel scheduling over pytest-xdist, fault injection.

May import gate, backends, boards, link, config and the bottom modules.
"""
