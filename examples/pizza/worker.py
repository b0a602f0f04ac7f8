"""Run the pizza workflow worker: ``python -m examples.pizza.worker``."""

from examples.pizza.workflow import workflow_engine

# --8<-- [start:step6]
if __name__ == "__main__":
    # Step 6: start the worker process.
    workflow_engine.main()
# --8<-- [end:step6]
