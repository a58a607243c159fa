// The dashboard in a real browser (Debian's Chromium through playwright-core):
// it opens with ?token=, finds a batch submitted after it opened, follows its
// operations to their final states, shows the failures with their
// explanation, and one operation's path and commands. Saves a screenshot to
// test-artifacts/dashboard.png. Chromium missing is a failure, not a skip:
// .ci/browser-deps installs it.
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/api/server.ts';
import type { RunningWorker } from '../../src/engine/engine.ts';
import { workerMetricsHooks } from '../../src/metrics/worker-hooks.ts';
import { harnessRuntime } from '../helpers/api-harness.ts';
import { createHarness, type Harness } from '../helpers/engine-harness.ts';
import { ROOT, startSimProcess, type SimProcess } from '../helpers/sim-process.ts';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'dashboard-browser-token';
const TAKEN = ['dash-taken-1.com', 'dash-taken-2.com'];
const SCREENSHOT = resolve(ROOT, 'test-artifacts/dashboard.png');

let sim: SimProcess;
let h: Harness;
let server: RunningServer;
let worker: RunningWorker | undefined;
let browser: Browser | undefined;
const hooks: { close(): Promise<void> }[] = [];

async function api(path: string, init: { method?: string; body?: string; contentType?: string } = {}): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, ...(init.contentType ? { 'content-type': init.contentType } : {}) },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  sim = await startSimProcess(['--rate', '5000', '--latency-ms', '60', '--taken', TAKEN.join(',')]);
  h = createHarness('dashboard');
  server = await startServer({ runtime: harnessRuntime(h, sim.url), port: 0, token: TOKEN, logger: { debug() {}, info() {}, warn() {}, error() {} } });
});

afterAll(async () => {
  await browser?.close();
  await worker?.close();
  for (const hook of hooks) await hook.close();
  await server?.close();
  await h?.close();
  await sim?.stop();
});

it('shows a batch live until its operations reach their final states, the failures, and an operation path', { timeout: 90_000 }, async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the dashboard test needs it. Run .ci/browser-deps (apt-get install -y chromium).`);
  }
  // playwright gives every launch a fresh, temporary user-data-dir.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const text = async (selector: string) => (await page.locator(selector).textContent()) ?? '';
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
  await page.goto(`${server.url}/?token=${TOKEN}`);
  await page.waitForSelector('#live-dot.ok');
  await expect.poll(() => text('#batches')).toContain('No batches yet');

  // Submitted after the page opened: the page finds it by polling.
  const free = Array.from({ length: 22 }, (_, i) => `dash-free-${String(i + 1).padStart(2, '0')}.com`);
  const csv = ['op,domain,period', ...[...free, ...TAKEN].map((d, i) => `register,${d},${1 + (i % 3)}`)].join('\n');
  const submitted = await api('/v1/batches?source=new-domains.csv', { method: 'POST', body: csv, contentType: 'text/csv' });
  const batch = submitted.batch as string;
  const single = await api('/v1/operations', { method: 'POST', body: JSON.stringify({ type: 'register', domain: 'dashboard-demo.com', period: 2 }), contentType: 'application/json' });
  await api('/v1/operations', { method: 'POST', body: JSON.stringify({ type: 'renew', domain: 'not-in-this-account.net' }), contentType: 'application/json' });
  await api('/v1/operations', { method: 'POST', body: JSON.stringify({ type: 'transfer', domain: 'example.org', auth: 'Wrong-Auth-Code-1' }), contentType: 'application/json' });
  const rowSelector = `tr[data-batch="${batch}"]`;
  const row = page.locator(rowSelector);
  await row.waitFor();
  expect(await text(rowSelector)).toMatch(/in progress|done/);

  const metrics = workerMetricsHooks(h.engine);
  hooks.push(metrics);
  worker = h.engine.startWorker({ registrar: h.client(sim.url), concurrency: 4, onCommand: metrics.onCommand, onFinal: metrics.onFinal });

  // Follow the batch: its operations, filtered in the page, all reach a final state.
  await row.click();
  await expect.poll(() => page.locator('#filter-batch').inputValue()).toBe(batch);
  const statusesShown = () => page.locator('#operations tr[data-op]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status') ?? ''));
  const FINAL = ['succeeded', 'failed', 'cancelled'];
  await expect
    .poll(async () => {
      const shown = await statusesShown();
      return shown.length === 24 && shown.every((s) => FINAL.includes(s));
    }, { timeout: 60_000, interval: 250 })
    .toBe(true);
  await expect.poll(() => text(rowSelector), { timeout: 5_000 }).toContain('24/24');
  expect(await text(rowSelector)).toContain('done');
  const statuses = await statusesShown();
  expect(statuses.filter((s) => s === 'succeeded')).toHaveLength(22);
  expect(statuses.filter((s) => s === 'failed')).toHaveLength(2);

  // Failures grouped by type, with the catalogue's explanation and a redrive button.
  await page.locator('#failures [data-type="transfer_auth_invalid"]').waitFor({ timeout: 10_000 });
  const notAvailable = page.locator('#failures [data-type="domain_not_available"]');
  expect(await notAvailable.textContent()).toContain('choose another name');
  await notAvailable.locator('button', { hasText: 'Redrive 2' }).waitFor();
  // "Show" lists that group's operations: the list's failure filter (?reason=)
  await notAvailable.locator('button', { hasText: 'Show' }).click();
  await expect.poll(() => page.locator('#filter-type').inputValue()).toBe('domain_not_available');
  await expect
    .poll(async () => {
      const shown = await statusesShown();
      return shown.length === 2 && shown.every((s) => s === 'failed');
    }, { timeout: 10_000, interval: 250 })
    .toBe(true);
  expect(await text('#live-text')).not.toContain('not updating');

  // One operation: its path through the machine and its commands.
  await page.click('#filter-clear');
  await expect.poll(() => page.locator('#filter-batch').inputValue()).toBe('');
  const demo = page.locator(`tr[data-op="${single.id as string}"]`);
  await expect.poll(() => demo.getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
  await demo.click();
  await expect.poll(() => text('#op-path'), { timeout: 5_000 }).toMatch(/start.*checkDomain.*210.*addDomain.*200.*succeeded/);
  await expect.poll(() => page.locator('#detail table.history tbody tr').count()).toBe(2);
  expect(await text('#detail table.history')).toContain('AddDomain');
  await page.locator('#mermaid-box').waitFor({ state: 'visible' });
  expect(await text('#account')).toContain('breaker closed');

  expect(await page.content()).not.toContain('Wrong-Auth-Code-1');
  expect(pageErrors).toEqual([]);
  mkdirSync(resolve(ROOT, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(existsSync(SCREENSHOT)).toBe(true);
});
