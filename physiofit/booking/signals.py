from django.dispatch import Signal

# Sent inside the status change's transaction when staff mark a visit completed (once per
# visit), with `appointment`. Other apps react without booking knowing them: intake sends the
# outcome measures scheduled "after every N visits".
visit_completed = Signal()
