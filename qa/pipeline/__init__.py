"""A question's way through the stages: analyze -> conversation -> retrieve -> read / quote."""
