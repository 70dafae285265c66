"""Analytics: potholes by district, status, severity, road; repair times, SLA compliance, a district map."""
