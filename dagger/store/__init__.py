"""Stores of the engine's tables; see :mod:`dagger.store.stores`."""
