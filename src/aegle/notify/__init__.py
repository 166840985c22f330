"""Delivery channels: inbox, email, webhook."""
