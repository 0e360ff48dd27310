-- An invitation's link lets anyone accept the account. A message keeps it only while it is
-- queued (an administrator hands it over when no mail server is configured); the delivery
-- that records a message sent or failed drops it. Drop the links that messages sent or failed
-- before that rule still hold.
UPDATE emails SET link = '' WHERE state <> 'queued';
