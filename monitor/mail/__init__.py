"""Mail to the SLT: urgent alerts at once, a digest on schedule (DESIGN.md 5).

- `compose`: an outbox row → `email.message.EmailMessage` (fixed Message-ID, one-line headers)
- `smtp`: hand a message to the SMTP server; `SendError.permanent` tells a 5xx from the rest
- `render`: the Jinja2 templates (HTML autoescaped) and the values they show
- `urgent`: `queue_urgent`, called in the scan's commit transaction
- `digest` (+ `sections`): the digest of a window, and `send_digest_if_due` for the daemon
- `delivery`: the outbox dispatcher (`dispatch`, `flush`); `probe`: `monitor mail test`
What the policy suggests for each alert is `monitor.judgement.advice`.
"""
