"""Outgoing e-mail: one way to compose a message and one way to send it.

:func:`compose` builds a message with a plain-text part (always) and an HTML alternative
(optional), plus RFC 8058 one-click unsubscribe headers when asked. :func:`mailer_for` picks the
transport from the ``[mail]`` settings: SMTP when ``smtp_host`` is set, otherwise an outbox
directory of ``.eml`` files (the demo, and operators who have not set up mail yet).
"""

from onemg.mail.message import compose
from onemg.mail.transport import Mailer, MailError, OutboxTransport, SmtpTransport, mailer_for

__all__ = ["MailError", "Mailer", "OutboxTransport", "SmtpTransport", "compose", "mailer_for"]
