"""Second factor for the staff back office: an authenticator app (TOTP) and recovery codes.

Every account that can reach the Wagtail admin must use it, whatever its permissions: an
editor's account is one permission change away from patient data. See services.py for the
rules, middleware.py for where they apply.
"""
