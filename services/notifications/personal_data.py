"""Which of notifications' data is personal: none is kept.

Names, e-mail addresses, phone numbers, a mentee's minority and their guardian are
registration's (encrypted per person there). Notifications asks for them over RPC
(``registration.contact_cards``) when it sends a message, renders it and forgets them: the
delivery log and the events it publishes hold ids only, and an SMTP answer is kept with every
address masked. An erased person has no card, so nothing is sent to them, nor about them.
"""
