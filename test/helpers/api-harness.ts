// The API (buildApp) over an engine on its own key prefix (createHarness),
// talking to a simulated registrar; requests go through app.inject().
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { loadConfig } from '../../src/engine/config.ts';
import type { Runtime } from '../../src/engine/runtime.ts';
import type { RegistrarClient } from '../../src/registrar/client.ts';
import { silentLogger, type Logger } from '../../src/registrar/mask.ts';
import { createHarness, REDIS_URL, type Harness } from './engine-harness.ts';

export interface ApiHarness {
  readonly h: Harness;
  readonly runtime: Runtime;
  readonly app: FastifyInstance;
  /** app.inject with the bearer token, when the harness has one. */
  call(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** A Runtime over the harness's engine (no rate limit, fast backoff), as createRuntime would give. */
export function harnessRuntime(h: Harness, registrarUrl: string): Runtime {
  let client: RegistrarClient | undefined;
  return {
    config: { ...loadConfig({ REDIS_URL, DOMAINFLOW_PREFIX: h.prefix, DOMAINFLOW_REGISTRAR_URL: registrarUrl }), rateLimit: 0 },
    engine: h.engine,
    registrar: () => (client ??= h.client(registrarUrl)),
    close: () => h.close(),
  };
}

export async function createApiHarness(name: string, options: { registrarUrl: string; token?: string; logger?: Logger }): Promise<ApiHarness> {
  const h = createHarness(name);
  const runtime = harnessRuntime(h, options.registrarUrl);
  const app = await buildApp({ runtime, logger: options.logger ?? silentLogger, ...(options.token ? { token: options.token } : {}) });
  return {
    h,
    runtime,
    app,
    call(req) {
      const headers = { ...(req.headers ?? {}), ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
      return app.inject({ ...req, headers });
    },
    async close() {
      await app.close();
      await h.close();
    },
  };
}
