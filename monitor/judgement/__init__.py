"""Judgement: what a text says (sentiment), what the school must hear of it (rules), and what the
policy suggests doing (advice). Pure functions over mentions; no I/O but reading shipped word lists.
"""
