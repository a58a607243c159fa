// The registry's rules for domain names that go beyond letters, digits and hyphens: shared
// by the submission check (src/operations/input.ts), which explains a refusal, and by the
// simulated registrar (src/sandbox/domain-name.ts), which answers 505.
import { domainToASCII } from 'node:url';

/** A top-level label: two or more letters, or an IDN label. */
export const TOP_LEVEL_LABEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * Why a label (lower case, of a-z, 0-9 and "-") breaks the IDN rules, or undefined: "--" in the
 * third and fourth places is for IDN labels (xn--) only, and those must be valid punycode.
 */
export function idnLabelProblem(label: string): string | undefined {
  if (label.startsWith('xn--')) return domainToASCII(label) === label ? undefined : `label "${label}" is not valid punycode`;
  return label.slice(2, 4) === '--' ? `label "${label}" has "--" in its third and fourth places, which only IDN labels (xn--) may` : undefined;
}
