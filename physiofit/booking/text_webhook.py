"""Twilio's inbound-message webhook: a patient's STOP or START reply to the clinic's number.

Set it in the Twilio console (the number's "A message comes in", HTTP POST) to
https://<your site>/sms/twilio/ exactly as the site is reached: the signature covers the URL.
"""

import hashlib

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from physiofit.core import sms
from physiofit.core.ratelimit import over_limit

from . import texts

# Far above what a clinic's patients reply in ten minutes; a flood of forged posts stops here.
RATE_LIMIT = 120
# A message is acted on once: a signed post replayed later (a captured START, say) changes
# nothing. Twilio retries a failed delivery within minutes; a month covers any replay window
# a clinic would notice.
SEEN_FOR = 30 * 24 * 3600
# Twilio's own opt-out handling answers STOP and START; our answer adds no second reply.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


# Twilio cannot send a CSRF token: its signature, checked below, stands in for one.
@csrf_exempt
@require_POST
def twilio_inbound(request):
    backend = sms.backend() if sms.enabled() else None
    if not isinstance(backend, sms.TwilioBackend):
        raise Http404
    if over_limit(request, scope="sms-webhook", limit=RATE_LIMIT, window_seconds=600):
        return HttpResponse("Too many requests.", status=429, content_type="text/plain")
    params = {name: request.POST.getlist(name) for name in request.POST}
    if not backend.signature_valid(
        request.build_absolute_uri(), params, request.headers.get("X-Twilio-Signature", "")
    ):
        return HttpResponse("Signature refused.", status=403, content_type="text/plain")
    sid = request.POST.get("MessageSid", "")
    seen = f"sms-sid:{hashlib.sha256(sid.encode()).hexdigest()}"
    if sid and not cache.add(seen, 1, SEEN_FOR):
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")  # already acted on
    texts.sms_reply_receive(number=request.POST.get("From", ""), body=request.POST.get("Body", ""))
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
