// Whether a Redis answers, and how to name one in a message: shared by the
// launcher (which Redis `start` uses) and every process that opens a runtime
// (a CLI command, a worker, the API), so that a Redis that is not there is a
// clear error at once instead of a command that waits for it forever.
import { Redis } from 'ioredis';

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/** Whether a Redis answers PING at `url` within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1_500): Promise<boolean> {
  // disconnectTimeout: a refused socket never closes again, and ioredis's default keeps the process 2 s longer.
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, disconnectTimeout: 50, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    // connectTimeout bounds the TCP connect; this bounds the whole exchange (a port that
    // accepts and never answers, a server still loading its data).
    const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const answer = (async () => {
      await client.connect();
      return (await client.ping()) === 'PONG';
    })().catch(() => false);
    return await Promise.race([answer, deadline]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** A Redis URL without its password (in the user part or, as ioredis also reads it, in the query), for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) if (/pass|secret|token|auth/i.test(key)) u.searchParams.set(key, '***');
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}
