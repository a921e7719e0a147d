-- Why a failed run failed, in a form the dashboard can act on ('' for runs that did not fail):
-- login_expired | login_required | rate_limited | forge | internal. For rate_limited,
-- run_retry_at is when the forge's limit resets (unix seconds).
ALTER TABLE sync_runs ADD COLUMN run_failure TEXT NOT NULL DEFAULT '';
ALTER TABLE sync_runs ADD COLUMN run_retry_at BIGINT NOT NULL DEFAULT 0;
