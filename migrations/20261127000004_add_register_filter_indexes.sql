-- Indexes for filters and sort orders the register lists use: objectives filtered by status,
-- interested parties listed by lower(name) (the earlier index on name cannot serve that order).
create index objectives_status_idx on objectives (org_id, status, ref_no) where archived_at is null;
drop index interested_parties_list_idx;
create index interested_parties_list_idx on interested_parties (org_id, lower(name)) where archived_at is null;
