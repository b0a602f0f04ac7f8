"""The pure workflow core: records, statuses, transition rules and the ports the model needs.

Nothing in this package imports faust or Kafka, so the whole model runs in unit tests.
"""
