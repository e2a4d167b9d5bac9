-- Foundation: the application role, global tables (users, organisations, memberships, invitations,
-- login throttle, sessions), the tenant-table helper and the hash-chained audit log.

-- The role every tenant transaction takes (SET LOCAL ROLE aims_app) so that row-level security
-- applies even when the pool logs in as a superuser. Roles are cluster-wide and parallel test
-- databases migrate at the same moment, hence the exception guard instead of IF NOT EXISTS.
do $$
begin
  create role aims_app nologin;
exception when duplicate_object or unique_violation then null;
end
$$;

grant usage on schema public to aims_app;

-- Keeps updated_at honest on every update.
create or replace function set_updated_at() returns trigger language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end
$$;

-- Turns a table into a tenant table: RLS enabled and forced, one fail-closed policy on org_id and
-- the grants the application role needs. Every later tenant table calls this.
create or replace function make_tenant_table(tbl regclass, privileges text default 'select, insert, update, delete')
returns void language plpgsql as $$
begin
  execute format('alter table %s enable row level security', tbl);
  execute format('alter table %s force row level security', tbl);
  execute format(
    'create policy tenant_isolation on %s
       using (org_id = nullif(current_setting(''app.org_id'', true), '''')::uuid)
       with check (org_id = nullif(current_setting(''app.org_id'', true), '''')::uuid)', tbl);
  execute format('grant %s on %s to aims_app', privileges, tbl);
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Global tables: reached only through named functions in aims-db (sign-in, membership check,
-- portfolio, invitations).
-- ---------------------------------------------------------------------------------------------

create table users (
  user_id             uuid primary key,
  email               text not null,
  name                text not null check (length(name) between 1 and 200),
  password_hash       text not null,
  password_changed_at timestamptz not null default now(),
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  version             integer not null default 1
);
-- Emails are stored lower-cased by the domain type; the unique index guards it anyway.
create unique index users_email_key on users (lower(email));
create trigger users_updated_at before update on users for each row execute function set_updated_at();

create table organisations (
  org_id     uuid primary key,
  slug       text not null unique check (slug ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
  name       text not null check (length(name) between 1 and 200),
  created_by uuid references users (user_id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version    integer not null default 1
);
create trigger organisations_updated_at before update on organisations for each row execute function set_updated_at();

create table memberships (
  org_id       uuid not null references organisations (org_id) on delete cascade,
  user_id      uuid not null references users (user_id) on delete cascade,
  role         text not null check (role in ('owner', 'consultant', 'implementer', 'auditor')),
  -- Last day of access (inclusive); only auditors carry one.
  access_until date,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  version      integer not null default 1,
  primary key (org_id, user_id),
  check (access_until is null or role = 'auditor')
);
create index memberships_user_id_idx on memberships (user_id);
create trigger memberships_updated_at before update on memberships for each row execute function set_updated_at();

create table invitations (
  invitation_id uuid primary key,
  org_id        uuid not null references organisations (org_id) on delete cascade,
  email         text not null,
  role          text not null check (role in ('owner', 'consultant', 'implementer', 'auditor')),
  access_until  date,
  -- Only the SHA-256 of the token is kept: a database leak does not hand out invitations.
  token_hash    bytea not null unique,
  invited_by    uuid not null references users (user_id),
  created_at    timestamptz not null default now(),
  expires_at    timestamptz not null,
  accepted_at   timestamptz,
  accepted_by   uuid references users (user_id),
  revoked_at    timestamptz,
  check (access_until is null or role = 'auditor')
);
create index invitations_org_pending_idx on invitations (org_id, created_at desc)
  where accepted_at is null and revoked_at is null;

-- Failed sign-ins, counted per account and per client address for throttling.
create table login_failures (
  failure_id  bigint generated always as identity primary key,
  email       text not null,
  client_addr text not null,
  failed_at   timestamptz not null default now()
);
create index login_failures_email_idx on login_failures (email, failed_at);
create index login_failures_addr_idx on login_failures (client_addr, failed_at);

grant select, insert, update, delete on users, organisations, memberships, invitations, login_failures to aims_app;

-- Server-side sessions, in the layout tower-sessions-sqlx-store expects.
create schema if not exists tower_sessions;
create table tower_sessions.session (
  id          text primary key not null,
  data        bytea not null,
  expiry_date timestamptz not null
);
create index session_expiry_idx on tower_sessions.session (expiry_date);
grant usage on schema tower_sessions to aims_app;
grant select, insert, update, delete on tower_sessions.session to aims_app;

-- ---------------------------------------------------------------------------------------------
-- Audit log: a tenant table, append-only for the application, hash-chained per workspace.
-- ---------------------------------------------------------------------------------------------

create table audit_log (
  org_id      uuid not null references organisations (org_id) on delete cascade,
  seq         bigint not null,
  audit_id    uuid not null,
  actor_id    uuid references users (user_id) on delete set null,
  actor_name  text not null,
  action      text not null check (action in ('create', 'update', 'delete', 'archive', 'approve')),
  entity_type text not null,
  entity_id   text not null,
  summary     text not null,
  before      jsonb,
  after       jsonb,
  created_at  timestamptz not null default now(),
  prev_hash   bytea not null,
  hash        bytea not null,
  primary key (org_id, seq),
  unique (org_id, audit_id)
);
create index audit_log_entity_idx on audit_log (org_id, entity_type, entity_id, seq desc);
select make_tenant_table('audit_log', 'select, insert');

-- The hash of one entry: SHA-256 over the previous hash and every recorded field, in a fixed
-- text form (jsonb::text is canonical, times as UTC microseconds). Used both when an entry is
-- written and when `aims audit verify` recomputes the chain, so the two can never disagree.
create or replace function audit_entry_hash(
  prev_hash bytea, org_id uuid, seq bigint, audit_id uuid, actor_id uuid, actor_name text,
  action text, entity_type text, entity_id text, summary text, before jsonb, after jsonb,
  created_at timestamptz
) returns bytea language sql immutable as $$
  select sha256(prev_hash || convert_to(concat_ws(chr(31),
    org_id::text, seq::text, audit_id::text, coalesce(actor_id::text, ''), actor_name, action,
    entity_type, entity_id, summary, coalesce(before::text, 'null'), coalesce(after::text, 'null'),
    (extract(epoch from created_at) * 1000000)::bigint::text), 'UTF8'))
$$;
grant execute on function audit_entry_hash(bytea, uuid, bigint, uuid, uuid, text, text, text, text, text, jsonb, jsonb, timestamptz) to aims_app;
