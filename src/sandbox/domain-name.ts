// Domain and host names as the registry sees them: lower-case ASCII (IDN
// converted to punycode), labels of letters, digits and inner hyphens.
import { domainToASCII, domainToUnicode } from 'node:url';
import { idnLabelProblem, TOP_LEVEL_LABEL } from '../registrar/names.ts';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** The registry's form of a domain or host name, or undefined when it is not a valid name. */
export function normalizeName(raw: string): string | undefined {
  let name = raw.trim().toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === '' || name.length > 253) return undefined;
  if (NON_ASCII.test(name)) {
    name = domainToASCII(name);
    if (name === '') return undefined;
  }
  const labels = name.split('.');
  if (labels.length < 2) return undefined;
  for (const label of labels) {
    if (!LABEL.test(label)) return undefined;
    if (idnLabelProblem(label) !== undefined) return undefined;
  }
  if (!TOP_LEVEL_LABEL.test(labels[labels.length - 1] ?? '')) return undefined;
  return name;
}

/** Top-level names no registry serves (RFC 2606, RFC 6761): valid syntax, never registrable. */
const UNSERVED_TLDS = new Set(['invalid', 'localhost', 'example', 'local', 'onion']);

/** The top-level label of a normalised name when no registry serves it, else undefined. */
export function unservedTld(name: string): string | undefined {
  const tld = name.slice(name.lastIndexOf('.') + 1);
  return UNSERVED_TLDS.has(tld) ? tld : undefined;
}

/** Every registrable suffix of a host name, longest first: ns1.a.example.com -> a.example.com, example.com. */
export function parentCandidates(host: string): string[] {
  const labels = host.split('.');
  const out: string[] = [];
  for (let i = 1; i <= labels.length - 2; i++) out.push(labels.slice(i).join('.'));
  return out;
}

/**
 * QueryDomainList's DOMAIN pattern: `*` and `%` match any run of characters, `?` one. A pattern
 * in Unicode (the server converts IDN) matches a name by its Unicode form too: `bücher*` finds
 * xn--bcher-t-n2a.de, which no ASCII pattern of that prefix would.
 */
export function patternMatcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined || pattern === '' || pattern === '*') return () => true;
  // NFC, as domainToUnicode writes names: a pattern typed with combining marks matches too.
  const source = pattern
    .normalize('NFC')
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/[*%]/g, '.*')
    .replace(/\?/g, '.');
  const re = new RegExp(`^${source}$`, 'u');
  if (!NON_ASCII.test(pattern)) return (name) => re.test(name);
  return (name) => re.test(name) || (name.includes('xn--') && re.test(domainToUnicode(name)));
}

/** Text from a request made safe to echo in a description: one line, printable, short. */
export function echo(text: string, max = 40): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}
