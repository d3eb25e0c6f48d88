"""Mail to the SLT: urgent alerts at once, a digest on schedule (DESIGN.md 5).

- `compose`: an outbox row → `email.message.EmailMessage` (fixed Message-ID, one-line headers)
- `smtp`: hand a message to the SMTP server; `SendError.permanent` tells a 5xx from the rest
- `render`: the Jinja2 templates (HTML autoescaped) and the values they show
- `policy`: what the school's social media policy suggests for each kind of alert
- `urgent`: `queue_urgent`, called in the scan's commit transaction
- `digest`: the digest of a window, and `send_digest_if_due` for the daemon
Sending is `monitor.mail.delivery.dispatch`.
"""
