-- The storage quota of a customer organisation (TUGI_ORG_STORAGE_QUOTA) counts the bytes of
-- all its attachments before each upload: this index answers that sum from the index alone,
-- however many attachments other organisations have.
CREATE INDEX ticket_attachments_org ON ticket_attachments (org_id) INCLUDE (size);
