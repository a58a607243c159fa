// Everything Redis holds under a prefix, as text: every key's values read by its type (not
// DUMP, whose RDB form may compress a string), for checks that a secret is nowhere in clear.
import { Redis } from 'ioredis';

export async function redisText(redisUrl: string, prefix: string): Promise<string> {
  const redis = new Redis(redisUrl);
  const dump: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        dump.push(key);
        if (type === 'string') dump.push((await redis.get(key)) ?? '');
        else if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'list') dump.push(...(await redis.lrange(key, 0, -1)));
        else if (type === 'set') dump.push(...(await redis.smembers(key)));
        else if (type === 'zset') dump.push(...(await redis.zrange(key, 0, -1)));
        else if (type === 'stream') dump.push(JSON.stringify(await redis.xrange(key, '-', '+')));
        else if (type !== 'none') throw new Error(`redisText: cannot read ${key}, a ${type}`);
      }
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return dump.join('\n');
}
