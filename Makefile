# The README's commands. Each sets up .venv on first use (see scripts/setup_venv.sh).
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test test-fast bench setup

$(STAMP): pyproject.toml scripts/setup_venv.sh examples/own_driver/pyproject.toml
	bash scripts/setup_venv.sh test,carla,ray
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/nines demo

# Two pytest workers, each running a whole test file at a time (module fixtures stay shared),
# with one torch thread each: both cores busy and none oversubscribed (13.3 -> 8.9 min).
PYTEST = OMP_NUM_THREADS=1 $(VENV)/bin/python -m pytest -n 2 --dist loadfile

test: $(STAMP)
	$(PYTEST)

test-fast: $(STAMP)
	$(PYTEST) -m "not slow"

bench: $(STAMP)
	$(VENV)/bin/pip install -q --no-cache-dir -e ".[test,carla,ray,bench]"
	$(VENV)/bin/python bench/sim.py
	$(VENV)/bin/python bench/suite.py
	$(VENV)/bin/python bench/nines.py
	$(VENV)/bin/python bench/coverage.py
	$(VENV)/bin/python bench/closed_loop.py
	$(VENV)/bin/python bench/leaderboard_host.py
	$(VENV)/bin/python bench/train.py
	$(VENV)/bin/python bench/teleop.py
	$(VENV)/bin/python bench/dashboard.py
	$(VENV)/bin/python bench/carla_wire.py
	$(VENV)/bin/python bench/scale.py
