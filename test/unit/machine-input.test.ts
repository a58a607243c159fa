import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../machines/backoff.ts';
import { createActor } from 'xstate';
import { nextAction } from '../../machines/next-action.ts';
import { registerMachine } from '../../machines/register.ts';
import { loadConfig } from '../../src/engine/config.ts';
import { machineInput } from '../../src/engine/machine-input.ts';
import { defaultContacts, defaultNameservers } from '../../src/engine/runtime.ts';
import { SIM_DEFAULTS } from '../../src/sandbox/defaults.ts';

const policy = defaultPolicy();
const defaults = { contacts: { owner: 'O', admin: 'A', tech: 'T', billing: 'B' }, nameservers: ['ns1.x.net'] };

describe('machineInput', () => {
  it('fills a registration from the account defaults, the operation winning where it says', () => {
    const input = machineInput({ t: 'register', d: 'x.com', p: 2, c: { owner: 'MINE' }, k: 1 }, defaults, policy, 1000);
    expect(input).toMatchObject({ type: 'register', domain: 'x.com', period: 2, startedAt: 1000, checked: true, nameservers: ['ns1.x.net'] });
    expect(input.type === 'register' && input.contacts).toEqual({ owner: 'MINE', admin: 'A', tech: 'T', billing: 'B' });
  });

  it('sends the contacts it has: a role neither the operation nor the account names is left to the registrar', () => {
    const input = machineInput({ t: 'register', d: 'x.com', c: { owner: 'MINE' } }, {}, policy, 0);
    expect(input.type === 'register' && input.contacts).toEqual({ owner: 'MINE' });
    expect(machineInput({ t: 'register', d: 'x.com' }, {}, policy, 0)).not.toHaveProperty('contacts');
    // checked: the machine's first command is AddDomain
    const actor = createActor(registerMachine, { input: machineInput({ t: 'register', d: 'x.com', c: { owner: 'MINE' }, k: 1 }, {}, policy, 0) }).start();
    const action = nextAction(actor.getSnapshot());
    expect(action.kind === 'command' && action.command).toBe('AddDomain');
    expect(action.kind === 'command' && Object.keys(action.params).filter((k) => k.endsWith('CONTACT0'))).toEqual(['OWNERCONTACT0']);
    actor.stop();
  });

  it("the runtime's defaults: DOMAINFLOW_DEFAULT_CONTACT and _NS; the simulator's handles only for its demo account", () => {
    const config = (env: Record<string, string>) => loadConfig(env);
    expect(defaultContacts(config({}))).toEqual(SIM_DEFAULTS.contacts);
    expect(defaultNameservers(config({}))).toEqual(SIM_DEFAULTS.nameservers);
    expect(defaultContacts(config({ DOMAINFLOW_REGISTRAR_LOGIN: 'reseller-7' }))).toBeUndefined();
    expect(defaultNameservers(config({ DOMAINFLOW_REGISTRAR_LOGIN: 'reseller-7' }))).toEqual([]);
    expect(defaultContacts(config({ DOMAINFLOW_REGISTRAR_LOGIN: 'reseller-7', DOMAINFLOW_DEFAULT_CONTACT: 'P-ME' }))).toEqual({ owner: 'P-ME', admin: 'P-ME', tech: 'P-ME', billing: 'P-ME' });
    expect(defaultNameservers(config({ DOMAINFLOW_REGISTRAR_LOGIN: 'reseller-7', DOMAINFLOW_DEFAULT_NS: 'ns1.me.net, ns2.me.net' }))).toEqual(['ns1.me.net', 'ns2.me.net']);
  });

  it('carries a renewal expiration, a transfer auth flag (never the code) and a redrive', () => {
    expect(machineInput({ t: 'renew', d: 'x.com', p: 1, x: '2027-01-01' }, defaults, policy, 0)).toMatchObject({ type: 'renew', expiration: '2027-01-01', period: 1 });
    const transfer = machineInput({ t: 'transfer', d: 'x.com', s: { auth: 'v1.sealed' }, rd: { step: 'transferDomain' } }, defaults, policy, 0);
    expect(transfer).toMatchObject({ type: 'transfer', hasAuth: true, redrive: { step: 'transferDomain' } });
    expect(JSON.stringify(transfer)).not.toContain('v1.sealed');
    expect(machineInput({ t: 'delete', d: 'x.com', p: 3 }, defaults, policy, 0)).not.toHaveProperty('period');
  });
});
