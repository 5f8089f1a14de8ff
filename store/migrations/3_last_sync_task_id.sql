-- The sync task id of the last finished sync, so sync status names the task its events carry.
ALTER TABLE integrations ADD COLUMN last_sync_task_id text;
