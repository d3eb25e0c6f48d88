"""Source adapters: one module or subpackage per `type`, found through `sources.base`.

Importing this package imports no adapter: `sources.base.adapter_for(type)` imports only the
module of the type asked for (BUILTIN_ADAPTERS below), so `import sources.errors` stays cheap.
"""

# type key → module that registers it (imported on first use)
BUILTIN_ADAPTERS: dict[str, str] = {
    "facebook_page": "sources.facebook_page",
    "feed": "sources.feed",
    "google_business": "sources.google_business",
    "google_places": "sources.google_places",
    "mumsnet": "sources.mumsnet",
    "ofsted": "sources.ofsted",
    "wikipedia": "sources.wikipedia",
}
