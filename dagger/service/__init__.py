"""The engine (:mod:`dagger.service.services`) and its configuration records."""
