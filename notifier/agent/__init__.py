"""The agent: :mod:`.loop` (poll, decide, publish, sleep) and :mod:`.daemon` (start order).

Edge. Only the agent and the command line import both the core and the edges.
"""
