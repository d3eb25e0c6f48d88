"""What source adapters share: JSON access, item reading, text, words, feeds, OAuth, writes.

    json.py    JsonFields: typed access to a parsed JSON payload; errors name the adapter and field
    items.py   read_each: a page's items read one by one, an unreadable one skipped and counted
    text.py    plain_text (HTML fragment → words), one_line, content_hash, masked_line (error
               text: every secret masked, then shortened)
    words.py   WordMatcher (whole words, case- and apostrophe-insensitive), AliasMatcher,
               OffensiveWords, and the shipped word lists in data/
    feeds.py   parse_feed (RSS/Atom bytes + FeedOrigin: the response's charset and final URL →
               items) and real_link (Google redirects unwrapped)
    oauth.py   AccessTokens: a refresh token exchanged for cached access tokens
    google_errors.py  Google's `google.rpc.Status` error bodies as one SourceError line
    times.py   the times an adapter keeps in its cursor (ISO 8601 UTC)
    writes.py  send_once: a write at a service (a reply, a hide) never made twice

Nothing here knows the database; requests go through the `PoliteClient` the caller hands in.
"""
