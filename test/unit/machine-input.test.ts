import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../machines/backoff.ts';
import { machineInput } from '../../src/engine/machine-input.ts';

const policy = defaultPolicy();
const defaults = { contacts: { owner: 'O', admin: 'A', tech: 'T', billing: 'B' }, nameservers: ['ns1.x.net'] };

describe('machineInput', () => {
  it('fills a registration from the account defaults, the operation winning where it says', () => {
    const input = machineInput({ t: 'register', d: 'x.com', p: 2, c: { owner: 'MINE' }, k: 1 }, defaults, policy, 1000);
    expect(input).toMatchObject({ type: 'register', domain: 'x.com', period: 2, startedAt: 1000, checked: true, nameservers: ['ns1.x.net'] });
    expect(input.type === 'register' && input.contacts).toEqual({ owner: 'MINE', admin: 'A', tech: 'T', billing: 'B' });
  });

  it('leaves contacts out when neither the operation nor the account gives all four', () => {
    const input = machineInput({ t: 'register', d: 'x.com', c: { owner: 'MINE' } }, {}, policy, 0);
    expect(input.type === 'register' && input.contacts).toBeUndefined();
  });

  it('carries a renewal expiration, a transfer auth flag (never the code) and a redrive', () => {
    expect(machineInput({ t: 'renew', d: 'x.com', p: 1, x: '2027-01-01' }, defaults, policy, 0)).toMatchObject({ type: 'renew', expiration: '2027-01-01', period: 1 });
    const transfer = machineInput({ t: 'transfer', d: 'x.com', s: { auth: 'v1.sealed' }, rd: { step: 'transferDomain' } }, defaults, policy, 0);
    expect(transfer).toMatchObject({ type: 'transfer', hasAuth: true, redrive: { step: 'transferDomain' } });
    expect(JSON.stringify(transfer)).not.toContain('v1.sealed');
    expect(machineInput({ t: 'delete', d: 'x.com', p: 3 }, defaults, policy, 0)).not.toHaveProperty('period');
  });
});
