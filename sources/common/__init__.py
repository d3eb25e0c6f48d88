"""What source adapters share: JSON access, text cleaning, word matching and feed parsing.

    json.py    JsonFields: typed access to a parsed JSON payload; errors name the adapter and field
    items.py   read_each: a page's items read one by one, an unreadable one skipped and counted
    text.py    plain_text (HTML fragment → words), one_line, content_hash, masked_line (error
               text: every secret masked, then shortened)
    words.py   WordMatcher (whole words, case- and apostrophe-insensitive), AliasMatcher,
               OffensiveWords, and the shipped word lists in data/
    feeds.py   parse_feed (RSS/Atom bytes + FeedOrigin: the response's charset and final URL →
               items) and real_link (Google redirects unwrapped)

Nothing here makes a request or knows the database.
"""
