"""A question's way through the stages: analyze -> conversation -> retrieve -> read / quote
(or overview, for a question about the documents as a whole)."""
