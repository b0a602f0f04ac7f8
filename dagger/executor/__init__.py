"""How workflow instances are submitted for execution (``executor``)."""
