"""The explainable priority policy: a YAML document of score terms and SLA categories, and its pure scorer."""
