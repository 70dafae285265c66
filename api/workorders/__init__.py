"""Work orders: filing, the repair state machine, priorities and the audit log."""
