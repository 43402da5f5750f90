"""Registration: tenants, their mentoring programmes, and the people who take part in them.

:mod:`.domain` holds the rules (plain Python, event-sourced aggregates); :mod:`.schemas` holds
the HTTP input schemas and the payload schema of every event this service emits.
"""
