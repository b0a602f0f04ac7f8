"""The engine's web endpoints: views (:mod:`dagger.web._views`) and models."""
