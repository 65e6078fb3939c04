"""Electronic signature (émargement), in rooms:

- `tokens`: how a learner reaches the signing page of a slot, and is recognised: the
  QR code shown by the trainer (an HMAC of the slot and of the current 30-second window,
  accepted for the current and the previous window only), their personal link, sent by
  email (`django.core.signing`, salt "attendance.link"), the cookie it leaves on their
  phone, their portal login; and the short-lived signed *grant* (slot, enrolment,
  method) the signing page carries, so that drawing may take longer than a QR window;
- `services`: the signing window, one-time personal codes, the signature itself (image,
  digest, the mark it attests), the trainer's countersignature that closes the sheet,
  the personal links sent by the worker;
- `selectors`: the learner portal's schedule and attendance;
- `views` and `urls`: the trainer's and the learner's pages.
"""
