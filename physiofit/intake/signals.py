from django.dispatch import Signal

# Sent after commit when a clinician approves a patient's new email address, with `patient`:
# sign-in links may go to it again, so apps queue the emails they held back.
portal_links_released = Signal()
