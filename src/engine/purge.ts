// Remove every key of a prefix (all of one domainflow system): for tests and
// benchmarks that each run on a prefix of their own.
import type { Redis } from 'ioredis';

export async function purgePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) removed += await redis.del(...keys);
  } while (cursor !== '0');
  return removed;
}
