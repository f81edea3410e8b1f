-- The orphan sweep asks, for each stored object, whether any document version references it.
CREATE INDEX IF NOT EXISTS document_versions_object_key ON document_versions (object_key);
