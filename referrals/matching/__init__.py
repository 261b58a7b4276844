"""Matching pupils to volunteers: hard rules, scoring with reasons, batch proposals.

``rules`` decides whether a volunteer *may* be matched (never broken);
``scoring`` ranks the volunteers who may, with the reasons for each score;
``proposal`` assigns a whole waitlist at once.
"""
