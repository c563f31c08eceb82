"""Mystery-shopper campaigns and scenario checklists (later milestone).

Scenario criteria will register into the scoring registry; entries reference
``call.id`` like any other call.
"""
