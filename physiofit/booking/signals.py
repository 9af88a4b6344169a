from django.dispatch import Signal

# Sent inside the status change's transaction when staff mark a visit completed (once per
# visit), with `appointment`. Other apps react without booking knowing them: intake sends the
# outcome measures scheduled "after every N visits".
visit_completed = Signal()

# Sent inside the change's transaction when staff change a patient's email address, with
# `patient`, `old_email`, `new_email` and `user`. Apps that reach patients by email (the portal)
# end sessions and hold sign-in links without booking knowing them.
patient_email_changed = Signal()
