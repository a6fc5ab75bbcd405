"""Alerts: topic rules and their matcher, recording alerts with their outbox rows, delivery, crawl-health alerts."""
