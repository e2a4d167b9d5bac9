-- The register kit: restoring an archived row is a change of its own in the audit log; indexes
-- that list archived rows too ("show archived"); and the first register built on the kit, the
-- AIMS roles (5.3, A.3.2) with the AI systems each role covers and a RACI matrix of the 18 steps.

alter table audit_log drop constraint audit_log_action_check;
alter table audit_log add constraint audit_log_action_check
  check (action in ('create', 'update', 'delete', 'archive', 'restore', 'approve'));

-- ---------------------------------------------------------------------------------------------
-- AIMS roles: who holds which responsibility, a member or a named person without an account.
-- ---------------------------------------------------------------------------------------------
create table aims_roles (
  org_id           uuid not null references organisations (org_id) on delete cascade,
  role_id          uuid not null,
  ref_no           integer not null,
  kind             text not null check (kind in ('top-management', 'aims-manager', 'risk-owner', 'ai-system-owner',
                                                 'human-oversight', 'internal-auditor', 'data-protection',
                                                 'legal-compliance', 'committee-member', 'custom')),
  title            text not null check (length(title) between 1 and 200),
  holder_user_id   uuid,
  holder_name      text not null default '' check (length(holder_name) <= 200),
  holder_email     text not null default '' check (length(holder_email) <= 320),
  holder_job_title text not null default '' check (length(holder_job_title) <= 200),
  appointed_on     date,
  until            date,
  responsibilities text not null default '' check (length(responsibilities) <= 20000),
  authorities      text not null default '' check (length(authorities) <= 20000),
  created_by       uuid references users (user_id) on delete set null,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  archived_at      timestamptz,
  version          integer not null default 1,
  primary key (org_id, role_id),
  unique (org_id, ref_no),
  foreign key (org_id, holder_user_id) references memberships (org_id, user_id) on delete set null (holder_user_id),
  check (until is null or appointed_on is null or until >= appointed_on)
);
create index aims_roles_list_idx on aims_roles (org_id, ref_no) where archived_at is null;
create index aims_roles_all_idx on aims_roles (org_id, ref_no);
create index aims_roles_kind_idx on aims_roles (org_id, kind) where archived_at is null;
create index aims_roles_holder_idx on aims_roles (org_id, holder_user_id) where archived_at is null;
create trigger aims_roles_updated_at before update on aims_roles for each row execute function set_updated_at();
select make_tenant_table('aims_roles', 'select, insert, update');

create table aims_role_systems (
  org_id    uuid not null references organisations (org_id) on delete cascade,
  role_id   uuid not null,
  system_id uuid not null,
  primary key (org_id, role_id, system_id),
  foreign key (org_id, role_id) references aims_roles (org_id, role_id) on delete cascade,
  foreign key (org_id, system_id) references ai_systems (org_id, system_id) on delete cascade
);
create index aims_role_systems_system_idx on aims_role_systems (org_id, system_id);
select make_tenant_table('aims_role_systems', 'select, insert, delete');

-- RACI: one letter per step and role; at most one accountable role per step.
create table raci_assignments (
  org_id      uuid not null references organisations (org_id) on delete cascade,
  step_number smallint not null check (step_number between 1 and 18),
  role_id     uuid not null,
  letter      text not null check (letter in ('R', 'A', 'C', 'I')),
  primary key (org_id, step_number, role_id),
  foreign key (org_id, role_id) references aims_roles (org_id, role_id) on delete cascade
);
create unique index raci_one_accountable_idx on raci_assignments (org_id, step_number) where letter = 'A';
select make_tenant_table('raci_assignments', 'select, insert, delete');

-- The matrix is saved as a whole, so it has one version per workspace for the stale-edit check.
create table raci_matrices (
  org_id  uuid primary key references organisations (org_id) on delete cascade,
  version integer not null default 1
);
select make_tenant_table('raci_matrices', 'select, insert, update');

-- "Show archived" lists every row in reference order.
create index actions_all_idx on actions (org_id, due_date, ref_no);
create index ai_systems_all_idx on ai_systems (org_id, ref_no);
create index objectives_all_idx on objectives (org_id, ref_no);
