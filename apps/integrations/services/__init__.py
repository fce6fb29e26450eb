"""Integration services: Connect and Lex sync, escalation, webhooks, notifications, retention."""
