-- Step 1, 3 and 6 registers: the AIMS scope statement in versions, context issues (4.1),
-- interested parties (4.2), AI objectives (6.2), the AI system inventory, the gap analysis and
-- the Statement of Applicability with its approved versions.

-- ---------------------------------------------------------------------------------------------
-- AI system inventory
-- ---------------------------------------------------------------------------------------------
create table ai_systems (
  org_id                   uuid not null references organisations (org_id) on delete cascade,
  system_id                uuid not null,
  ref_no                   integer not null,
  name                     text not null check (length(name) between 1 and 200),
  purpose                  text not null default '' check (length(purpose) <= 20000),
  intended_use             text not null default '' check (length(intended_use) <= 20000),
  known_misuse             text not null default '' check (length(known_misuse) <= 20000),
  ai_role                  text not null check (ai_role in ('provider', 'producer', 'customer', 'partner', 'subject', 'relevant-authority')),
  lifecycle_stage          text not null check (lifecycle_stage in ('inception', 'design-development', 'verification-validation',
                                                                    'deployment', 'operation-monitoring', 're-evaluation', 'retirement')),
  technique                text not null default '' check (length(technique) <= 500),
  personal_data            boolean not null default false,
  personal_data_categories text not null default '' check (length(personal_data_categories) <= 2000),
  automation_level         text not null check (automation_level in ('decision-support', 'human-in-the-loop', 'human-on-the-loop', 'fully-automated')),
  human_oversight          text not null default '' check (length(human_oversight) <= 20000),
  risk_tier                text not null check (risk_tier in ('prohibited', 'high', 'limited', 'minimal', 'general-purpose')),
  owner_id                 uuid,
  in_scope                 boolean not null default true,
  supplier                 text not null default '' check (length(supplier) <= 300),
  created_by               uuid references users (user_id) on delete set null,
  created_at               timestamptz not null default now(),
  updated_at               timestamptz not null default now(),
  archived_at              timestamptz,
  version                  integer not null default 1,
  primary key (org_id, system_id),
  unique (org_id, ref_no),
  foreign key (org_id, owner_id) references memberships (org_id, user_id) on delete set null (owner_id)
);
create index ai_systems_list_idx on ai_systems (org_id, ref_no) where archived_at is null;
create index ai_systems_tier_idx on ai_systems (org_id, risk_tier) where archived_at is null;
create index ai_systems_stage_idx on ai_systems (org_id, lifecycle_stage) where archived_at is null;
create index ai_systems_scope_idx on ai_systems (org_id, in_scope) where archived_at is null;
create trigger ai_systems_updated_at before update on ai_systems for each row execute function set_updated_at();
select make_tenant_table('ai_systems', 'select, insert, update');

-- ---------------------------------------------------------------------------------------------
-- AI objectives (6.2)
-- ---------------------------------------------------------------------------------------------
create table objectives (
  org_id       uuid not null references organisations (org_id) on delete cascade,
  objective_id uuid not null,
  ref_no       integer not null,
  objective    text not null check (length(objective) between 1 and 500),
  measure      text not null default '' check (length(measure) <= 5000),
  target       text not null default '' check (length(target) <= 1000),
  owner_id     uuid,
  due_date     date,
  status       text not null default 'planned' check (status in ('planned', 'in_progress', 'achieved', 'not_achieved', 'cancelled')),
  created_by   uuid references users (user_id) on delete set null,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  archived_at  timestamptz,
  version      integer not null default 1,
  primary key (org_id, objective_id),
  unique (org_id, ref_no),
  foreign key (org_id, owner_id) references memberships (org_id, user_id) on delete set null (owner_id)
);
create index objectives_list_idx on objectives (org_id, ref_no) where archived_at is null;
create trigger objectives_updated_at before update on objectives for each row execute function set_updated_at();
select make_tenant_table('objectives', 'select, insert, update');

create table objective_ai_systems (
  org_id       uuid not null,
  objective_id uuid not null,
  system_id    uuid not null,
  primary key (org_id, objective_id, system_id),
  foreign key (org_id, objective_id) references objectives (org_id, objective_id) on delete cascade,
  foreign key (org_id, system_id) references ai_systems (org_id, system_id)
);
create index objective_ai_systems_system_idx on objective_ai_systems (org_id, system_id);
select make_tenant_table('objective_ai_systems', 'select, insert, delete');

-- ---------------------------------------------------------------------------------------------
-- Scope statement in versions (4.3), with the climate-change decision (4.1)
-- ---------------------------------------------------------------------------------------------
create table scope_versions (
  org_id             uuid not null references organisations (org_id) on delete cascade,
  version_no         integer not null check (version_no >= 1),
  status             text not null default 'draft' check (status in ('draft', 'approved', 'superseded')),
  units              text not null default '' check (length(units) <= 50000),
  sites              text not null default '' check (length(sites) <= 50000),
  ai_systems_covered text not null default '' check (length(ai_systems_covered) <= 50000),
  lifecycle_stages   text not null default '' check (length(lifecycle_stages) <= 50000),
  ai_roles           text not null default '' check (length(ai_roles) <= 50000),
  exclusions         text not null default '' check (length(exclusions) <= 50000),
  interfaces         text not null default '' check (length(interfaces) <= 50000),
  climate_relevant   boolean,
  climate_reason     text not null default '' check (length(climate_reason) <= 20000),
  created_by         uuid references users (user_id) on delete set null,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  approved_by        uuid references users (user_id) on delete set null,
  approved_at        timestamptz,
  version            integer not null default 1,
  primary key (org_id, version_no),
  check ((status = 'draft') = (approved_at is null))
);
-- At most one draft per workspace.
create unique index scope_versions_one_draft on scope_versions (org_id) where status = 'draft';
create trigger scope_versions_updated_at before update on scope_versions for each row execute function set_updated_at();
select make_tenant_table('scope_versions', 'select, insert, update');

create table context_issues (
  org_id      uuid not null references organisations (org_id) on delete cascade,
  issue_id    uuid not null,
  kind        text not null check (kind in ('internal', 'external')),
  title       text not null check (length(title) between 1 and 300),
  description text not null default '' check (length(description) <= 20000),
  effect      text not null default '' check (length(effect) <= 20000),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  archived_at timestamptz,
  version     integer not null default 1,
  primary key (org_id, issue_id)
);
create index context_issues_list_idx on context_issues (org_id, kind, created_at) where archived_at is null;
create trigger context_issues_updated_at before update on context_issues for each row execute function set_updated_at();
select make_tenant_table('context_issues', 'select, insert, update');

create table interested_parties (
  org_id        uuid not null references organisations (org_id) on delete cascade,
  party_id      uuid not null,
  name          text not null check (length(name) between 1 and 300),
  requirements  text not null default '' check (length(requirements) <= 20000),
  addressed     text not null default 'no' check (addressed in ('yes', 'partly', 'no')),
  how_addressed text not null default '' check (length(how_addressed) <= 20000),
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  archived_at   timestamptz,
  version       integer not null default 1,
  primary key (org_id, party_id)
);
create index interested_parties_list_idx on interested_parties (org_id, name) where archived_at is null;
create trigger interested_parties_updated_at before update on interested_parties for each row execute function set_updated_at();
select make_tenant_table('interested_parties', 'select, insert, update');

-- ---------------------------------------------------------------------------------------------
-- Gap analysis (step 3): one row per assessable clause and per Annex A control, stored once
-- assessed (rows not yet assessed come from the catalogue).
-- ---------------------------------------------------------------------------------------------
create table gap_items (
  org_id         uuid not null references organisations (org_id) on delete cascade,
  requirement_id text not null check (requirement_id ~ '^(A\.)?[0-9]+(\.[0-9]+){0,3}$'),
  current_state  text not null default '' check (length(current_state) <= 20000),
  maturity       smallint check (maturity between 0 and 5),
  gap            text check (gap in ('none', 'partial', 'full')),
  priority       text check (priority in ('low', 'medium', 'high', 'critical')),
  notes          text not null default '' check (length(notes) <= 20000),
  updated_by     uuid references users (user_id) on delete set null,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  version        integer not null default 1,
  primary key (org_id, requirement_id)
);
create trigger gap_items_updated_at before update on gap_items for each row execute function set_updated_at();
select make_tenant_table('gap_items', 'select, insert, update');

-- ---------------------------------------------------------------------------------------------
-- Statement of Applicability (6.1.3): the working copy, and approved versions frozen as JSON.
-- ---------------------------------------------------------------------------------------------
create table soa_entries (
  org_id                uuid not null references organisations (org_id) on delete cascade,
  control_id            text not null check (length(control_id) between 1 and 40),
  custom                boolean not null default false,
  title                 text not null default '' check (length(title) <= 300),
  applicable            boolean,
  justification         text not null default '' check (length(justification) <= 20000),
  reason_codes          text[] not null default '{}' check (reason_codes <@ array['risk-treatment', 'legal', 'contractual', 'business']),
  implementation_status text check (implementation_status in ('implemented', 'partially-implemented', 'planned', 'not-implemented', 'excluded')),
  owner_id              uuid,
  notes                 text not null default '' check (length(notes) <= 20000),
  updated_by            uuid references users (user_id) on delete set null,
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  archived_at           timestamptz,
  version               integer not null default 1,
  primary key (org_id, control_id),
  foreign key (org_id, owner_id) references memberships (org_id, user_id) on delete set null (owner_id),
  check (not custom or length(title) > 0)
);
create trigger soa_entries_updated_at before update on soa_entries for each row execute function set_updated_at();
select make_tenant_table('soa_entries', 'select, insert, update');

create table soa_entry_ai_systems (
  org_id     uuid not null,
  control_id text not null,
  system_id  uuid not null,
  primary key (org_id, control_id, system_id),
  foreign key (org_id, control_id) references soa_entries (org_id, control_id) on delete cascade,
  foreign key (org_id, system_id) references ai_systems (org_id, system_id)
);
select make_tenant_table('soa_entry_ai_systems', 'select, insert, delete');

create table soa_versions (
  org_id      uuid not null references organisations (org_id) on delete cascade,
  version_no  integer not null check (version_no >= 1),
  approved_by uuid references users (user_id) on delete set null,
  approver_name text not null,
  approved_at timestamptz not null default now(),
  note        text not null default '' check (length(note) <= 5000),
  -- Every row of the SoA as it stood when approved; never changed afterwards.
  snapshot    jsonb not null,
  primary key (org_id, version_no)
);
select make_tenant_table('soa_versions', 'select, insert');
