-- A completed contract's last version ends in a document timestamp (PAdES B-LTA); before that timestamp's
-- TSA certificate expires, a newer DSS and document timestamp must cover the file. archive_until is that
-- certificate's notAfter, for the versions that end in a document timestamp.
ALTER TABLE document_versions ADD COLUMN archive_until timestamptz;
CREATE INDEX document_versions_archive_until ON document_versions (archive_until) WHERE archive_until IS NOT NULL;
