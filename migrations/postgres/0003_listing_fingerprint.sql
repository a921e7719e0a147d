-- The fingerprint of the last listing a sync applied for the user (forge data and repository
-- filter). A listing with the same fingerprint needs no plan. Anything else that writes a user's
-- permission rows must reset it to ''.
ALTER TABLE users ADD COLUMN user_listing_hash TEXT NOT NULL DEFAULT '';
