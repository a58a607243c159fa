// The build in dist/ (what `domainflow` runs; `npm run bench` builds it first), loaded with the
// types of its sources. (Through tsx's loader the sources run slower: every named closure is wrapped.)
import type * as Backoff from '../machines/backoff.ts';
import type * as EngineModule from '../src/engine/engine.ts';
import type * as Purge from '../src/engine/purge.ts';
import type * as SecretBox from '../src/engine/secret-box.ts';
import type * as Defaults from '../src/sandbox/defaults.ts';

/** A module of the build, typed as its source. */
export const built = <T>(path: string): Promise<T> => import(new URL(`../dist/${path}.js`, import.meta.url).href) as Promise<T>;

/** What every engine bench needs: an engine, its parts, and the purge of its prefix. */
export const { defaultPolicy } = await built<typeof Backoff>('machines/backoff');
export const { Engine } = await built<typeof EngineModule>('src/engine/engine');
export const { purgePrefix } = await built<typeof Purge>('src/engine/purge');
export const { createSecretBox } = await built<typeof SecretBox>('src/engine/secret-box');
export const { SIM_DEFAULTS } = await built<typeof Defaults>('src/sandbox/defaults');
export type Engine = EngineModule.Engine;
