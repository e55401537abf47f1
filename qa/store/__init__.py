"""Where an index's chunks, sentences and vectors live, and how they are searched."""
