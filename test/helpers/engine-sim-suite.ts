// A test file's engine and simulated registrar process: a sim with the given
// flags, a harness on a prefix of the file's own and a Redis connection, made
// before the file's tests and closed after them.
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { OpData } from '../../src/engine/operation.ts';
import { createHarness, REDIS_URL, type Harness } from './engine-harness.ts';
import { startSimProcess, type SimProcess } from './sim-process.ts';

export interface EngineSimSuite {
  readonly sim: SimProcess;
  readonly h: Harness;
  readonly redis: Redis;
  /** An operation's job data as Redis holds it. */
  dataOf(id: string): Promise<OpData>;
}

export function engineSimSuite(name: string, simArgs: readonly string[]): EngineSimSuite {
  let sim: SimProcess | undefined;
  let h: Harness | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    sim = await startSimProcess([...simArgs]);
    h = createHarness(name);
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await h?.close();
    await redis?.quit();
    await sim?.stop();
  });
  return {
    get sim() {
      return sim!;
    },
    get h() {
      return h!;
    },
    get redis() {
      return redis!;
    },
    async dataOf(id) {
      return JSON.parse((await redis!.hget(h!.engine.keys.job(id), 'data')) as string) as OpData;
    },
  };
}
