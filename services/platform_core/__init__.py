"""Shared platform code used by every service.

The plumbing lives here (event store, outbox relay, idempotent consumer, catch-up,
scheduled work, tenancy, metrics); the rules of mentoring live in each service's
``domain`` module, which imports nothing from this package except the plain
``DomainEvent`` value type.
"""
