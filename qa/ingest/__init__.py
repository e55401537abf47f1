"""Files to documents, documents to sentences and chunks (character spans): plain text work."""
