// Builds before 2026-12-01 wrapped DOMAINFLOW_PREFIX in braces themselves
// ({domainflow}:...); keys now start with the prefix as given. A system whose
// data sits under the older layout only is refused at start, naming the setting
// that reads it: otherwise its queued operations, domain claims and keys would
// be passed over in silence (and old and new workers side by side would claim
// domains apart).
import { Redis } from 'ioredis';
import { ConfigError } from './config.ts';
import { Keys } from './keys.ts';

/** The keys that show an account's system is there: its operations index and its queue's meta hash. */
const marks = (k: Keys) => [k.operations, k.bull('meta')];

/** Throws ConfigError (DOMAINFLOW_PREFIX) when the account's data is under the older layout of `prefix` and not under the current one. */
export async function refuseOlderLayout(redisUrl: string, prefix: string, account: string): Promise<void> {
  if (prefix.includes('{')) return;
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  client.on('error', () => undefined);
  try {
    const current = await client.exists(...marks(new Keys(prefix, account)));
    const older = current > 0 ? 0 : await client.exists(...marks(new Keys(`{${prefix}}`, account)));
    if (older > 0) {
      throw new ConfigError(
        `DOMAINFLOW_PREFIX: Redis holds this system's operations under the key layout of builds before 2026-12-01 ({${prefix}}:...), and none under ${prefix}:...; set DOMAINFLOW_PREFIX={${prefix}} to go on with them`,
        'DOMAINFLOW_PREFIX',
      );
    }
  } finally {
    client.disconnect();
  }
}
