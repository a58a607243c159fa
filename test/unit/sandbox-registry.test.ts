// The registry's semantics in-process (no HTTP): lazy transfer completion, the
// ten-year horizon, request shapes, and the state file's round trip and debounce.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/registrar/request.ts';
import { addYears, SimClock } from '../../src/sandbox/clock.ts';
import { executeCommand } from '../../src/sandbox/command-table.ts';
import { SIM_DEFAULTS } from '../../src/sandbox/defaults.ts';
import { Registry } from '../../src/sandbox/registry.ts';
import { applyPersisted, StateFile, toPersisted } from '../../src/sandbox/state-file.ts';
import { createInitialState } from '../../src/sandbox/state.ts';

const SPEC = { accounts: [{ login: 'demo', password: 'demo' }], taken: ['far.com'], credit: 1000 };

function setup(transferMs = 5000) {
  const clock = new SimClock();
  const registry = new Registry(clock, { prices: SIM_DEFAULTS.prices, transferMs }, SPEC);
  const run = (cmd: Command, now = clock.now()) => executeCommand({ registry, account: registry.account('demo')!, now }, cmd);
  return { clock, registry, run };
}

describe('Registry semantics', () => {
  it('completes a transfer exactly when it falls due, on the next command after the clock moved', () => {
    const { clock, registry, run } = setup(5000);
    const t0 = clock.now();
    expect(run({ COMMAND: 'TransferDomain', DOMAIN: 'far.com', AUTH: SIM_DEFAULTS.foreignAuthCode }, t0).code).toBe(200);
    const record = registry.pendingTransfer('far.com')!;
    expect(run({ COMMAND: 'StatusDomainTransfer', DOMAIN: 'far.com' }, t0 + 4999).properties?.['transfer status']).toBe('pending');
    expect(run({ COMMAND: 'StatusDomainTransfer', DOMAIN: 'far.com' }, t0 + 5000).properties?.['transfer status']).toBe('serverApproved');
    expect(record.finished).toBe(record.due);
    expect(registry.domain('far.com')?.owner).toBe('demo');
    expect(registry.pendingTransfer('far.com')).toBeUndefined();
  });

  it('a transfer never pushes the expiration beyond ten years ahead', () => {
    const { clock, registry, run } = setup(0);
    registry.domain('far.com')!.expires = addYears(clock.now(), 10) - 1000;
    expect(run({ COMMAND: 'TransferDomain', DOMAIN: 'far.com', AUTH: SIM_DEFAULTS.foreignAuthCode, PERIOD: '1' }).code).toBe(200);
    run({ COMMAND: 'CheckDomain', DOMAIN: 'far.com' });
    expect(registry.domain('far.com')!.expires).toBeLessThanOrEqual(addYears(clock.now(), 10));
  });

  it('CheckDomains refuses a gap in the numbered names (the results would shift)', () => {
    const { run } = setup();
    expect(run({ COMMAND: 'CheckDomains', DOMAIN0: 'a.com', DOMAIN2: 'c.com' })).toMatchObject({ code: 504, description: 'Missing required attribute; DOMAIN1' });
    expect(run({ COMMAND: 'CheckDomains', DOMAIN: 'single.com' }).properties?.domaincheck).toEqual(['210 Available']);
  });

  it('commands are case-insensitive by name; unknown ones answer 500 without touching state', () => {
    const { registry, run } = setup();
    expect(run({ COMMAND: 'adddomain', DOMAIN: 'lower.com' }).code).toBe(200);
    expect(run({ COMMAND: 'ADDDOMAINX', DOMAIN: 'other.com' })).toMatchObject({ code: 500, description: 'Invalid command name; ADDDOMAINX' });
    expect(registry.domain('other.com')).toBeUndefined();
  });

  it('charges per year and refuses (546) without taking anything when the credit is short', () => {
    const { registry, run } = setup();
    registry.account('demo')!.credit = 25;
    expect(run({ COMMAND: 'AddDomain', DOMAIN: 'three.com', PERIOD: '3' }).code).toBe(546);
    expect(registry.account('demo')!.credit).toBe(25);
    expect(run({ COMMAND: 'AddDomain', DOMAIN: 'two.com', PERIOD: '2' }).code).toBe(200);
    expect(registry.account('demo')!.credit).toBe(5);
  });
});

describe('state file', () => {
  it('round-trips the registry', () => {
    const { clock, registry, run } = setup();
    run({ COMMAND: 'AddDomain', DOMAIN: 'kept.com', PERIOD: '2' });
    run({ COMMAND: 'AddContact', FIRSTNAME: 'a', LASTNAME: 'b', STREET0: 's', CITY: 'c', ZIP: 'z', COUNTRY: 'de', PHONE: '+49.123456', EMAIL: 'a@b.de' });
    run({ COMMAND: 'TransferDomain', DOMAIN: 'far.com', AUTH: SIM_DEFAULTS.foreignAuthCode });
    const saved = JSON.parse(JSON.stringify(toPersisted(registry.state, 1234))) as ReturnType<typeof toPersisted>;
    const restored = createInitialState(SPEC, clock.now());
    applyPersisted(restored, saved);
    expect(restored.domains).toEqual(registry.state.domains);
    expect(restored.contacts).toEqual(registry.state.contacts);
    expect(restored.transfers).toEqual(registry.state.transfers);
    expect(restored.effects).toEqual(registry.state.effects);
    expect(restored.accounts.get('demo')?.credit).toBe(registry.account('demo')?.credit);
    expect(restored.nextContact).toBe(registry.state.nextContact);
    expect(saved.clockOffsetMs).toBe(1234);
  });

  it('debounces many changes into few writes and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'domainflow-statefile-'));
    try {
      let snapshots = 0;
      const { registry } = setup();
      const file = new StateFile(
        join(dir, 'state.json'),
        () => {
          snapshots++;
          return toPersisted(registry.state, 0);
        },
        (err) => {
          throw err;
        },
        20,
      );
      for (let i = 0; i < 100; i++) file.schedule();
      await file.flush();
      expect(snapshots).toBe(1);
      expect(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'))).toMatchObject({ version: 1 });
      expect(await readdir(dir)).toEqual(['state.json']);
      await file.flush();
      expect(snapshots).toBe(1); // nothing changed, nothing written
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
