"""Chat channels and signed webhooks: the outbox (events, deliveries, attempts) and its delivery."""
