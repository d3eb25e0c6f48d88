"""The SLT's page (`monitor web`): read, acknowledge and act on alerts in a browser.

    app.py        create_app(config, store): routes, security headers, the served state
    visits.py     signed_in: every handler's session, CSRF and role check, before it runs
    sessions.py   server-side sessions: the cookie, idle and absolute expiry, sign-out
    auth.py       email sign-in: a mailed link (opened by a POST) or a short code
    limits.py     sign-in rate limits per client address
    csrf.py       every POST: a token from the session, no cross-site request, `next=` kept home
    confirmations.py  one-time tokens of the confirmation before a write at a source
    roles.py      what each role sees (safeguarding details to the DSL, admin pages to admins)
    render.py     Jinja2 with autoescape on for every template; what pages show of alerts
    pages/        one module per page family: alerts, responses (reply or hide at the source),
                  mentions, incidents, admin, sign-in
    templates/    the pages; static/ the style sheet and the vendored htmx

Pages work without JavaScript; htmx only swaps an alert's row in place after an action.
"""
