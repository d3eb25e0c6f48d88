"""The SLT's page (`monitor web`): read, acknowledge and act on alerts in a browser.

    app.py        create_app(config, store): routes, security headers, the served state
    sessions.py   server-side sessions: the cookie, idle and absolute expiry, sign-out
    auth.py       email sign-in: a mailed link (opened by a POST) or a short code; rate limits
    csrf.py       every POST: a token from the session, no cross-site request, `next=` kept home
    roles.py      what each role sees (safeguarding details to the DSL, admin pages to admins)
    render.py     Jinja2 with autoescape on for every template; what pages show of alerts
    pages/        one module per page family: alerts, mentions, incidents, admin, sign-in
    templates/    the pages; static/ the style sheet and the vendored htmx

Pages work without JavaScript; htmx only swaps an alert's row in place after an action.
"""
