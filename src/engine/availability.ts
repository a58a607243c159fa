// A batch of registrations checks availability first, 32 names a CheckDomains
// command, so that a batch costs about one registrar command per domain. The
// checks go through the account's rate like every other command.
import { ABUSE_LOCK_CODE } from '../codes.ts';
import type { RegistrarClient } from '../registrar/client.ts';
import type { Account } from './account.ts';
import { isoTime } from './history.ts';
import type { HistoryEntry } from './operation.ts';

export const NAMES_PER_CHECK = 32;

export interface Availability {
  readonly available: boolean;
  readonly code: number;
  readonly description: string;
  /** The check as a line of the operation's history (the name's place in the command as DOMAINi). */
  readonly line: HistoryEntry;
}

export class AccountPausedError extends Error {
  override name = 'AccountPausedError';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The names' availability, by name. A name whose check did not come back
 * definite (a 4xx after retries, a protocol error) is left out: its operation
 * checks for itself.
 */
export async function checkAvailability(
  account: Account,
  registrar: RegistrarClient,
  names: readonly string[],
  options: { lockPauseMs: number; attempts?: number },
): Promise<Map<string, Availability>> {
  const attempts = options.attempts ?? 4;
  const result = new Map<string, Availability>();
  for (let i = 0; i < names.length; i += NAMES_PER_CHECK) {
    const chunk = names.slice(i, i + NAMES_PER_CHECK);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const slot = await account.reserve('availability-check', undefined);
      if (slot.kind === 'breaker') throw new AccountPausedError('the account is paused (breaker open): resume it before submitting a batch');
      if (slot.kind === 'locked' || slot.kind === 'busy') {
        await sleep(slot.ms);
        attempt--;
        continue;
      }
      if (slot.kind !== 'go') break;
      const sent = performance.now();
      const outcome = await registrar.checkDomains(chunk);
      const ms = Math.round(performance.now() - sent);
      await account.settle(slot.slot);
      if (outcome.kind === 'reply' && outcome.code === ABUSE_LOCK_CODE) await account.startLockPause(options.lockPauseMs);
      if (outcome.kind === 'reply' && outcome.class === 'success' && outcome.data) {
        const at = isoTime(Date.now());
        outcome.data.forEach((check, i) => {
          if (check.code !== 210 && check.code !== 211) return;
          const line: HistoryEntry = { command: 'CheckDomains', step: 'checkDomain', code: check.code, description: check.description, ms, attempt, at, params: { [`DOMAIN${i}`]: check.domain } };
          result.set(check.domain, { available: check.code === 210, code: check.code, description: check.description, line });
        });
        break;
      }
      if (outcome.class === 'permanent') break;
      await sleep(250 * 2 ** attempt);
    }
  }
  return result;
}
