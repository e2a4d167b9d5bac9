-- The roadmap (18 steps per workspace and their ticked tasks), the implementation plan (actions),
-- workspace settings, and a read-only policy for the portfolio views that span a user's workspaces.

alter table organisations
  add column time_zone text not null default 'UTC',
  add column target_certification_date date;

-- Portfolio reads: a transaction may list several workspaces in app.portfolio_org_ids (set by
-- aims-db from the user's own memberships). SELECT only; writes still need app.org_id.
create or replace function add_portfolio_read_policy(tbl regclass) returns void language plpgsql as $$
begin
  execute format(
    'create policy portfolio_read on %s for select
       using (org_id = any (string_to_array(nullif(current_setting(''app.portfolio_org_ids'', true), ''''), '','')::uuid[]))',
    tbl);
end
$$;

-- Every tenant table from now on gets both policies.
create or replace function make_tenant_table(tbl regclass, privileges text default 'select, insert, update, delete')
returns void language plpgsql as $$
begin
  execute format('alter table %s enable row level security', tbl);
  execute format('alter table %s force row level security', tbl);
  execute format(
    'create policy tenant_isolation on %s
       using (org_id = nullif(current_setting(''app.org_id'', true), '''')::uuid)
       with check (org_id = nullif(current_setting(''app.org_id'', true), '''')::uuid)', tbl);
  perform add_portfolio_read_policy(tbl);
  execute format('grant %s on %s to aims_app', privileges, tbl);
end
$$;

select add_portfolio_read_policy('audit_log');

create table steps (
  org_id      uuid not null references organisations (org_id) on delete cascade,
  step_number smallint not null check (step_number between 1 and 18),
  status      text not null default 'not_started' check (status in ('not_started', 'in_progress', 'done')),
  owner_id    uuid,
  due_date    date,
  notes       text not null default '' check (length(notes) <= 20000),
  version     integer not null default 1,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  primary key (org_id, step_number),
  -- A removed member stops owning the step; the step stays.
  foreign key (org_id, owner_id) references memberships (org_id, user_id) on delete set null (owner_id)
);
create index steps_owner_idx on steps (owner_id, org_id) where owner_id is not null;
create trigger steps_updated_at before update on steps for each row execute function set_updated_at();
select make_tenant_table('steps', 'select, insert, update');

-- Every existing workspace gets its 18 steps; new ones get them when created.
insert into steps (org_id, step_number) select org_id, n from organisations, generate_series(1, 18) n;

create table step_tasks (
  org_id      uuid not null,
  step_number smallint not null,
  task_key    text not null check (task_key ~ '^[a-z0-9-]{1,80}$'),
  state       text not null check (state in ('done', 'not_applicable')),
  reason      text not null default '' check (length(reason) <= 2000),
  closed_by   uuid references users (user_id) on delete set null,
  closed_at   timestamptz not null default now(),
  primary key (org_id, step_number, task_key),
  foreign key (org_id, step_number) references steps (org_id, step_number) on delete cascade,
  check (state = 'done' or length(trim(reason)) > 0)
);
select make_tenant_table('step_tasks');

create table actions (
  org_id       uuid not null references organisations (org_id) on delete cascade,
  action_id    uuid not null,
  ref_no       integer not null,
  title        text not null check (length(title) between 1 and 300),
  description  text not null default '' check (length(description) <= 50000),
  owner_id     uuid,
  due_date     date,
  priority     text not null default 'medium' check (priority in ('low', 'medium', 'high', 'critical')),
  status       text not null default 'open' check (status in ('open', 'in_progress', 'done', 'cancelled')),
  step_number  smallint,
  -- Where the action comes from (a gap item, a risk, an audit finding, …): a kind and an id, so
  -- new kinds of source need no new table or column.
  source_type  text check (source_type ~ '^[a-z][a-z_]{0,40}$'),
  source_id    text check (length(source_id) <= 100),
  source_label text not null default '' check (length(source_label) <= 300),
  created_by   uuid references users (user_id) on delete set null,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  archived_at  timestamptz,
  version      integer not null default 1,
  primary key (org_id, action_id),
  unique (org_id, ref_no),
  foreign key (org_id, owner_id) references memberships (org_id, user_id) on delete set null (owner_id),
  foreign key (org_id, step_number) references steps (org_id, step_number),
  check ((source_type is null) = (source_id is null))
);
create index actions_due_idx on actions (org_id, due_date, ref_no) where archived_at is null;
create index actions_owner_idx on actions (org_id, owner_id) where archived_at is null;
create index actions_status_idx on actions (org_id, status) where archived_at is null;
create index actions_step_idx on actions (org_id, step_number) where archived_at is null;
create index actions_source_idx on actions (org_id, source_type, source_id);
create index actions_my_work_idx on actions (owner_id, due_date) where archived_at is null and status in ('open', 'in_progress');
create trigger actions_updated_at before update on actions for each row execute function set_updated_at();
select make_tenant_table('actions', 'select, insert, update');
