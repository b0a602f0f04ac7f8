"""Benchmarks of dagger on the development broker: ``python -m benchmarks run SCENARIO``."""
