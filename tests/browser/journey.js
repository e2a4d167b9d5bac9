#!/usr/bin/env node
// Browser journey through AIMS Workbench: sign up, create a workspace, tick every task of step 1
// and watch the overall progress move, with an axe-core accessibility check (no serious or
// critical violations) and a full-page screenshot of every page checked.
//
// Environment: BASE_URL (the running app, required), SCREENSHOT_DIR (where PNGs go),
// CHROMIUM (the browser binary, default /usr/bin/chromium). tests/browser/run.sh sets them all.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const BASE_URL = (process.env.BASE_URL || '').replace(/\/+$/, '');
const SCREENSHOT_DIR =
  process.env.SCREENSHOT_DIR || path.join(os.tmpdir(), `aims-screenshots-${Date.now()}`);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const BLOCKING_IMPACTS = new Set(['serious', 'critical']);

const summary = [];
// Accessibility failures are collected so that one run reports every page and still walks the
// whole journey; the journey fails at the end if there are any. Broken contracts fail at once.
const a11yFailures = [];
let shotCounter = 0;

function log(line) {
  summary.push(line);
  console.log(line);
}

function shotPath(name) {
  shotCounter += 1;
  const safe = name.replace(/[^a-z0-9._-]+/gi, '-').replace(/^-+|-+$/g, '');
  return path.join(SCREENSHOT_DIR, `${String(shotCounter).padStart(2, '0')}-${safe}.png`);
}

async function screenshot(page, name) {
  const file = shotPath(name);
  // A redirect to #task-… leaves the page scrolled, and the sticky top bar would then be drawn
  // in the middle of a full-page screenshot.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Opens a path of the app and insists on a 200 answer.
async function visit(page, pathname) {
  const response = await page.goto(`${BASE_URL}${pathname}`, { waitUntil: 'load' });
  assert.ok(response, `no response for ${pathname}`);
  assert.equal(response.status(), 200, `GET ${pathname} answered ${response.status()}, expected 200`);
  return response;
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

// Polls `fn` until it returns something truthy; survives navigations in between.
async function waitUntil(fn, what, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < end) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}` +
      (lastError ? ` (last error: ${lastError.message})` : ''),
  );
}

// Runs axe-core on the current page, saves a full-page screenshot, and fails on any serious or
// critical violation. Moderate and minor findings are printed but do not fail the journey.
async function checkA11y(page, name) {
  const file = await screenshot(page, name);
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.addScriptTag({ path: AXE_PATH });
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.length,
      target: v.nodes[0] ? v.nodes[0].target.join(' ') : '',
      others: v.nodes.slice(1, 5).map((n) => n.target.join(' ')),
      html: v.nodes[0] ? v.nodes[0].html.slice(0, 200) : '',
      summary: v.nodes[0] ? (v.nodes[0].failureSummary || '').replace(/\s+/g, ' ').trim() : '',
    }));
  });
  const blocking = results.filter((v) => BLOCKING_IMPACTS.has(v.impact));
  const other = results.filter((v) => !BLOCKING_IMPACTS.has(v.impact));
  for (const v of results) {
    const level = BLOCKING_IMPACTS.has(v.impact) ? 'VIOLATION' : 'note';
    console.log(
      `    ${level} [${name}] ${v.id} (${v.impact}, ${v.nodes} node${v.nodes === 1 ? '' : 's'}): ${v.help}\n` +
        `      first node: ${v.target}\n      html: ${v.html.replace(/\s+/g, ' ')}\n      ${v.summary}\n` +
        (v.others.length ? `      other nodes: ${v.others.join(' | ')}${v.nodes > 5 ? ' | …' : ''}\n` : '') +
        `      ${v.helpUrl}`,
    );
  }
  const otherText = other.length
    ? `; ${other.length} moderate/minor: ${other.map((v) => `${v.id}(${v.impact})`).join(', ')}`
    : '';
  if (blocking.length) {
    log(`FAIL a11y ${name} (${pathOf(page)}): ${blocking.length} serious/critical: ` +
      blocking.map((v) => `${v.id}(${v.impact}) at ${v.target}`).join('; ') + otherText);
    const err = new Error(
      `axe found ${blocking.length} serious/critical violation(s) on ${name} (${pathOf(page)}, ` +
        `${path.basename(file)}): ` +
        blocking.map((v) => `${v.id} [${v.impact}] ${v.help} — first node: ${v.target}`).join('; '),
    );
    err.a11y = true;
    throw err;
  }
  log(`ok   a11y ${name} (${pathOf(page)}): no serious/critical violations${otherText} — ${path.basename(file)}`);
}

// Runs checkA11y, recording (rather than throwing) an accessibility failure.
async function a11y(page, name) {
  try {
    await checkA11y(page, name);
  } catch (err) {
    if (!err.a11y) throw err;
    a11yFailures.push(err.message);
  }
}

async function overallProgress(page) {
  const el = page.locator('[data-testid="overall-progress"]');
  await el.first().waitFor({ state: 'attached', timeout: 5000 }).catch(() => {
    throw new Error(`no [data-testid="overall-progress"] on ${page.url()}`);
  });
  assert.equal(await el.count(), 1, 'expected exactly one [data-testid="overall-progress"]');
  const raw = await el.getAttribute('data-percent');
  assert.ok(raw !== null && /^\d+$/.test(raw.trim()),
    `[data-testid="overall-progress"] data-percent should be an integer percentage, got ${JSON.stringify(raw)}`);
  const percent = Number(raw.trim());
  assert.ok(percent >= 0 && percent <= 100, `overall progress ${percent} is not a percentage`);
  return percent;
}

// The submit button of the form holding `fieldSelector` (the header's "Sign out" is a submit
// button too, so a bare button[type=submit] would be ambiguous once signed in).
function submitOf(page, fieldSelector) {
  return page.locator('form', { has: page.locator(fieldSelector) }).locator('button[type=submit]');
}

async function journey(page) {
  const stamp = Date.now();
  const email = `journey-${stamp}@example.com`;
  const slug = `journey-${stamp}`.toLowerCase();
  const org = `/o/${slug}`;

  // e (before signing up). The sign-up page, anonymous.
  await visit(page, '/signup');
  await a11y(page, 'signup');

  // a. Sign up.
  await page.fill('#f-name', 'Journey Tester');
  await page.fill('#f-email', email);
  await page.fill('#f-password', 'a long journey password');
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/signup', { waitUntil: 'load' }),
    submitOf(page, '#f-email').click(),
  ]).catch(async (err) => {
    throw new Error(`sign-up did not leave /signup: ${err.message}`);
  });
  assert.equal(pathOf(page), '/orgs/new', `after sign-up expected /orgs/new, got ${page.url()}`);
  log(`ok   signed up as ${email} and landed on /orgs/new`);
  await screenshot(page, 'orgs-new');

  // b. Create the workspace and land on its dashboard at 0 %.
  await page.fill('#f-name', 'Journey Org');
  await page.fill('#f-slug', slug);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/orgs/new' && u.pathname !== '/orgs', { waitUntil: 'load' }),
    submitOf(page, '#f-slug').click(),
  ]).catch(async (err) => {
    throw new Error(`creating the workspace did not leave the form (${page.url()}): ${err.message}`);
  });
  assert.equal(pathOf(page), `${org}/`, `after creating the workspace expected ${org}/, got ${page.url()}`);
  const before = await overallProgress(page);
  assert.equal(before, 0, `a new workspace should start at 0 % overall progress, got ${before}`);
  log(`ok   created workspace ${slug}; dashboard shows overall progress ${before} %`);

  // e. The portfolio.
  await visit(page, '/orgs');
  await a11y(page, 'portfolio');

  // e. The roadmap.
  await visit(page, `${org}/steps`);
  await a11y(page, 'roadmap');

  // c. Tick every task of step 1.
  const stepPath = `${org}/steps/1`;
  await visit(page, stepPath);
  await a11y(page, 'step-1');
  const tick = page.locator('li.task [data-testid="tick-task"]');
  const anyTick = page.locator('[data-testid="tick-task"]');
  const reopen = page.locator('[data-testid="reopen-task"]');
  const initialOpen = await anyTick.count();
  assert.ok(initialOpen > 0, `step 1 shows no [data-testid="tick-task"] button on ${page.url()}`);
  assert.equal(await tick.count(), initialOpen,
    'every [data-testid="tick-task"] button should sit inside an li.task');
  let ticked = 0;
  while ((await anyTick.count()) > 0) {
    assert.ok(ticked < 50, 'still finding tasks to tick after 50 clicks');
    const openBefore = await anyTick.count();
    const reopenBefore = await reopen.count();
    await tick.first().click();
    await waitUntil(
      async () => (await anyTick.count()) === openBefore - 1 && (await reopen.count()) === reopenBefore + 1,
      `tick ${ticked + 1} to turn one tick-task button into a reopen-task button ` +
        `(before: ${openBefore} open, ${reopenBefore} closed)`,
    );
    await page.waitForLoadState('load');
    assert.equal(pathOf(page), stepPath, `ticking a task should come back to ${stepPath}, got ${page.url()}`);
    ticked += 1;
  }
  const closed = await reopen.count();
  assert.equal(closed, 6, `step 1 should end with 6 [data-testid="reopen-task"] buttons, found ${closed}`);
  assert.equal(ticked, 6, `expected to tick 6 tasks on step 1, ticked ${ticked}`);
  log(`ok   ticked ${ticked} tasks on step 1; ${closed} reopen-task buttons shown`);
  await a11y(page, 'step-1-done');

  // d. The dashboard shows progress.
  await visit(page, `${org}/`);
  const after = await overallProgress(page);
  assert.ok(after > 0, `overall progress should be above 0 after ticking step 1, got ${after}`);
  log(`ok   dashboard overall progress went from ${before} % to ${after} %`);
  await a11y(page, 'dashboard');

  // The registers of steps 1, 3, 4 and 6, empty and with a form, as a new workspace sees them.
  for (const [area, name] of [
    ['actions', 'actions'], ['actions/new', 'action-form'], ['scope', 'scope'], ['scope/edit', 'scope-form'],
    ['ai-systems', 'ai-systems'], ['ai-systems/new', 'ai-system-form'], ['objectives', 'objectives'],
    ['gap', 'gap-analysis'], ['gap/6.1.2', 'gap-row'], ['soa', 'soa'], ['soa/A.2.2', 'soa-row'],
    ['soa/print', 'soa-print'], ['members', 'members'], ['audit-log', 'audit-log'], ['settings', 'settings'],
    ['scope/issues', 'issues'], ['scope/parties', 'parties'], ['objectives/new', 'objective-form'],
    ['roles', 'roles'], ['roles/new', 'role-form'],
  ]) {
    await visit(page, `${org}/${area}`);
    await a11y(page, name);
  }

  // A register row through its life on the shared kit: created, archived (read-only, with
  // Restore), found again with "show archived", restored.
  await visit(page, `${org}/actions/new`);
  await page.fill('#f-title', 'Write the AI policy');
  await Promise.all([page.waitForNavigation(), page.click('form.stack button.button-primary')]);
  const rowPath = pathOf(page);
  assert.match(rowPath, /\/actions\/[0-9a-f-]{36}$/, `creating an action should show it, got ${page.url()}`);
  await a11y(page, 'action');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Archive")')]);
  assert.equal(pathOf(page), `${org}/actions`, `archiving should go back to the list, got ${page.url()}`);
  assert.equal(await page.locator(`a[href="${rowPath}"]`).count(), 0, 'the archived action leaves the list');
  // The filters answer in place with htmx: ticking "show archived" brings the row back.
  await page.check('#filter-archived');
  await waitUntil(async () => (await page.locator(`#results a[href="${rowPath}"]`).count()) === 1,
    'the htmx filter to list the archived action');
  assert.ok(page.url().includes('archived=yes'), `the filter should be in the address, got ${page.url()}`);
  await visit(page, rowPath);
  assert.equal(await page.locator('a:has-text("Edit")').count(), 0, 'an archived row has no Edit');
  await a11y(page, 'action-archived');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Restore")')]);
  assert.equal(pathOf(page), rowPath, `restoring should show the row, got ${page.url()}`);
  assert.equal(await page.locator(`a[href="${rowPath}/edit"]`).count(), 1, 'a restored row can be edited');
  log('ok   an action was created, archived, listed with "show archived" by htmx and restored');
}

async function main() {
  assert.ok(BASE_URL, 'BASE_URL must name the running app, e.g. http://127.0.0.1:8080');
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  const pageErrors = [];
  let page;
  let journeyDone = false;
  try {
    // The app's Content-Security-Policy allows only its own scripts; bypass it so that axe-core
    // can be injected.
    const context = await browser.newContext({
      bypassCSP: true,
      viewport: { width: 1280, height: 900 },
      locale: 'en-GB',
    });
    context.setDefaultTimeout(15000);
    context.setDefaultNavigationTimeout(30000);
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    await journey(page);
    if (a11yFailures.length) {
      journeyDone = true;
      const err = new Error(
        `the journey completed, but ${a11yFailures.length} page(s) have serious or critical ` +
          `accessibility violations:\n  - ${a11yFailures.join('\n  - ')}`,
      );
      err.a11y = true;
      throw err;
    }
  } catch (err) {
    if (page) {
      const file = path.join(SCREENSHOT_DIR, 'failure.png');
      await page.screenshot({ path: file, fullPage: true }).then(
        () => console.error(`Failure screenshot: ${file} (at ${page.url()})`),
        (e) => console.error(`could not save failure.png: ${e.message}`),
      );
    }
    if (!journeyDone && a11yFailures.length) {
      console.error(`Accessibility failures before the journey broke:\n  - ${a11yFailures.join('\n  - ')}`);
    }
    throw err;
  } finally {
    for (const e of pageErrors) console.warn(`warning: JavaScript error on ${e}`);
    await browser.close();
  }
}

module.exports = { checkA11y, overallProgress, visit, submitOf, waitUntil, LAUNCH_ARGS, CHROMIUM };

if (require.main === module) {
  const recap = () => console.log(`\nSummary:\n  ${summary.join('\n  ')}`);
  main().then(
    () => {
      recap();
      console.log(`PASS browser journey (${summary.length} checks)`);
    },
    (err) => {
      recap();
      console.error(`FAIL browser journey: ${err && err.stack && !err.a11y ? err.stack : err.message}`);
      process.exitCode = 1;
    },
  );
}
