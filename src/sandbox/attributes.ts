// Reading a command's attributes with the codes a registrar gives for them:
// 504 missing, 505 bad syntax, 541 a value out of range, 556 a period too long.
// Each reader throws a Refusal, so handlers read like the happy path.
import type { Command } from '../registrar/request.ts';
import { refuse } from './answer.ts';
import { SIM_DEFAULTS } from './defaults.ts';
import { echo, normalizeName, unservedTld } from './domain-name.ts';

/** A present, non-blank value, or undefined. */
export function optional(cmd: Command, key: string): string | undefined {
  const value = cmd[key];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function required(cmd: Command, key: string): string {
  const value = optional(cmd, key);
  if (value === undefined) refuse(504, key);
  return value;
}

/** A domain name attribute in the registry's form (IDN converted). */
export function domainAttr(cmd: Command, key = 'DOMAIN'): string {
  const name = normalizeName(required(cmd, key));
  if (name === undefined) refuse(505, key);
  const tld = unservedTld(name);
  if (tld !== undefined) refuse(541, `${key} (.${tld} is not served)`);
  return name;
}

export function hostAttr(cmd: Command, key: string): string {
  const name = normalizeName(required(cmd, key));
  if (name === undefined) refuse(505, key);
  return name;
}

/** PERIOD in years (an optional trailing Y is accepted): default 1, at most 10. */
export function periodAttr(cmd: Command, fallback = 1): number {
  const raw = optional(cmd, 'PERIOD');
  if (raw === undefined) return fallback;
  const m = /^(\d{1,4})[yY]?$/.exec(raw);
  if (!m) refuse(505, 'PERIOD');
  const years = Number(m[1]);
  if (years < 1) refuse(541, 'PERIOD');
  if (years > SIM_DEFAULTS.maxPeriodYears) refuse(556, `PERIOD ${years} > ${SIM_DEFAULTS.maxPeriodYears}`);
  return years;
}

export function intAttr(cmd: Command, key: string, fallback: number, min: number, max: number): number {
  const raw = optional(cmd, key);
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw)) refuse(505, key);
  const n = Number(raw);
  if (n < min || n > max) refuse(541, key);
  return n;
}

export function flagAttr(cmd: Command, key: string, fallback: boolean): boolean {
  const raw = optional(cmd, key);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (lower === '1' || lower === 'true' || lower === 'yes') return true;
  if (lower === '0' || lower === 'false' || lower === 'no') return false;
  return refuse(505, key);
}

/** An enumerated option (ACTION ...): 506 for a value outside the list. */
export function optionAttr<T extends string>(cmd: Command, key: string, allowed: readonly T[], fallback: T): T {
  const raw = optional(cmd, key);
  if (raw === undefined) return fallback;
  const upper = raw.toUpperCase();
  const found = allowed.find((a) => a === upper);
  if (found === undefined) refuse(506, `${key} ${echo(raw)}`);
  return found;
}

/** Numbered values KEY0..KEY(max-1) (and a bare KEY as the first), in index order. */
export function listAttr(cmd: Command, key: string, max: number): { key: string; value: string }[] {
  // One beyond the list's end is refused, not dropped: the caller would think it was set.
  for (const k of Object.keys(cmd)) {
    if (k.startsWith(key) && /^\d+$/.test(k.slice(key.length)) && Number(k.slice(key.length)) >= max && optional(cmd, k) !== undefined) {
      refuse(541, `${k}: at most ${max} (${key}0..${key}${max - 1})`);
    }
  }
  const out: { key: string; value: string }[] = [];
  const bare = optional(cmd, key);
  if (bare !== undefined) out.push({ key, value: bare });
  for (let i = 0; i < max; i++) {
    const value = optional(cmd, `${key}${i}`);
    if (value !== undefined) out.push({ key: `${key}${i}`, value });
  }
  // The bare key is one more entry: with all the numbered ones it is one too many.
  if (out.length > max) refuse(541, `${key}: at most ${max} (${key}0..${key}${max - 1})`);
  return out;
}
