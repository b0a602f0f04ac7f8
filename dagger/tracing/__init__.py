"""Tracing sensors for the engine (:mod:`dagger.tracing.utils`)."""
