// What a worker feeds the metrics with: the runner's onCommand (every
// registrar command: its code and duration) and onFinal (every operation that
// ends). Pass them to engine.startWorker; close() flushes the rest.
import type { Engine } from '../engine/engine.ts';
import type { RunnerDeps } from '../engine/runner.ts';
import type { Logger } from '../registrar/mask.ts';
import { bucketIndex, field } from './metric-fields.ts';
import { MetricsRecorder } from './recorder.ts';

export interface WorkerMetricsHooks {
  readonly onCommand: NonNullable<RunnerDeps['onCommand']>;
  readonly onFinal: NonNullable<RunnerDeps['onFinal']>;
  /** Push what is pending now (tests; the timer does it about once a second). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function workerMetricsHooks(engine: Pick<Engine, 'redis' | 'keys'>, options: { intervalMs?: number; logger?: Logger } = {}): WorkerMetricsHooks {
  const recorder = new MetricsRecorder(engine.redis, engine.keys.metrics, options);
  return {
    onCommand(entry) {
      const ms = Number.isFinite(entry.ms) ? Math.max(0, Math.round(entry.ms)) : 0;
      recorder.add(field.command(entry.command, entry.code));
      recorder.add(field.bucket(entry.command, bucketIndex(ms)));
      recorder.add(field.durationSum(entry.command), ms);
    },
    onFinal(data, output) {
      if (output.status === 'succeeded') recorder.add(field.operation(data.t, 'succeeded', ''));
      else recorder.add(field.operation(data.t, output.failure.type === 'cancelled' ? 'cancelled' : 'failed', output.failure.type));
    },
    flush: () => recorder.flush(),
    close: () => recorder.close(),
  };
}
