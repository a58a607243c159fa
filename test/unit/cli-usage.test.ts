// Usage errors the command line catches before it touches Redis: exit 2 (invalid
// input, as for a bad submission), with --json a last line { error, field }, and
// nothing queued. Redis is pointed at a closed port: a usage error must not need it.
import { describe, expect, it } from 'vitest';
import { lastJson, runCli } from '../helpers/sim-process.ts';

const env = { REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'error' };

describe('usage errors: exit 2, and { error, field } with --json', () => {
  it.each([
    ['an option without its value', ['transfer', '--json', 'x.com', '--auth'], 'auth', "option '--auth <code>' argument missing"],
    ['an option whose value is the next option', ['transfer', 'x.com', '--auth', '--wait'], 'auth', "option '--auth <code>' argument missing (--wait is an option)"],
    ['a period swallowing --json', ['register', 'x.com', '--period'], 'period', "option '--period <years>' argument missing (--json is an option)"],
    ['no domain', ['register'], 'domain', "missing required argument 'domain'"],
    ['two domains', ['register', 'a.com', 'b.com'], 'arguments', "too many arguments for 'register'. Expected 1 argument but got 2."],
    ['an option the command does not take', ['delete', 'x.com', '--period', '2'], 'period', "unknown option '--period'"],
    ['an unknown command', ['frobnicate'], 'command', "unknown command 'frobnicate'"],
  ])('%s', async (_name, args, field, error) => {
    const run = await runCli(args.includes('--json') ? args : [...args, '--json'], env);
    expect(run.code).toBe(2);
    expect(lastJson(run.stdout)).toEqual({ error, field });
    // the help text is for people; a script asked for JSON
    expect(run.stderr).toBe('');
  });

  it.each([
    ['a bad name', ['register', 'bad..com'], 'domain'],
    ['a period out of range', ['register', 'x.com', '--period', '11'], 'period'],
    ['a transfer without its auth code', ['transfer', 'x.com'], 'auth'],
    ['a bad list limit', ['list', '--limit', '-5'], 'limit'],
    ['a redrive of nothing', ['retry'], 'id'],
    ['a redrive by id and by type at once', ['retry', 'op_abc', '--reason', 'credit_limit_exceeded'], 'reason'],
    ['a redrive by id and by batch at once', ['retry', 'op_abc', '--batch', 'b_abc'], 'batch'],
    ['a redrive by a failure type that cannot be one', ['retry', '--reason', 'Not A Type'], 'reason'],
    ['a list by a failure type that cannot be one', ['list', '--reason', 'credit limit'], 'reason'],
  ])('invalid input is exit 2 before Redis is asked for (none answers here): %s', async (_name, args, field) => {
    const run = await runCli([...args, '--json'], env);
    expect(run.code).toBe(2);
    expect(lastJson(run.stdout).field).toBe(field);
  });

  it('without --json: the message and the command help on stderr, exit 2', async () => {
    const run = await runCli(['register', 'a.com', 'b.com'], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: too many arguments for 'register'/);
    expect(run.stderr).toContain('Usage: domainflow register [options] <domain>');
  });

  it('an option given its value with = may take a value that looks like an option', async () => {
    // refused for the closed Redis port, not for the value: the usage is valid
    const run = await runCli(['transfer', 'x.com', '--auth=--json', '--json'], env);
    expect(run.code).toBe(1);
    expect(lastJson(run.stdout).error).toMatch(/^REDIS_URL: no Redis answers at/);
  });

  it('--help and --version still exit 0', async () => {
    expect((await runCli(['register', '--help'], env)).code).toBe(0);
    expect((await runCli(['--version'], env)).code).toBe(0);
  });
});

describe('a bad environment variable: exit 2 for every command, with a message naming it', () => {
  it.each([
    ['codes', ['codes'], { DOMAINFLOW_RATE_LIMIT: 'abc' }, /^DOMAINFLOW_RATE_LIMIT must be a number >= 0/],
    ['list', ['list'], { LOG_LEVEL: 'verbose' }, /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"/],
    ['bulk', ['bulk', 'no-such-file.csv'], { LOG_FORMAT: 'xml' }, /^LOG_FORMAT must be one of json, pretty, got "xml"/],
    ['register', ['register', 'x.com'], { DOMAINFLOW_DEFAULT_NS: 'ns1.example.net,bad_host!' }, /^DOMAINFLOW_DEFAULT_NS must be host names .* got "bad_host!"/],
    ['status', ['status', 'op_abc'], { DOMAINFLOW_DEFAULT_CONTACT: 'a b' }, /^DOMAINFLOW_DEFAULT_CONTACT must be one contact handle/],
    // the secret key's form too, for commands that never seal or open a secret
    ['codes, with a short secret key', ['codes'], { DOMAINFLOW_SECRET_KEY: 'short' }, /^DOMAINFLOW_SECRET_KEY must be 32 bytes/],
    ['list, with a key a digit short', ['list'], { DOMAINFLOW_SECRET_KEY: 'a'.repeat(63) }, /^DOMAINFLOW_SECRET_KEY must be 32 bytes/],
  ])('%s', async (_name, args, bad, message) => {
    const run = await runCli([...args, '--json'], { ...env, LOG_LEVEL: 'error', ...bad });
    expect(run.code).toBe(2);
    // the variable is the field to blame
    expect(lastJson(run.stdout)).toEqual({ error: expect.stringMatching(message), field: Object.keys(bad)[0] });
    const plain = await runCli(args, { ...env, LOG_LEVEL: 'error', ...bad });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/^domainflow: /);
  });

  it('a level in capitals is a level', async () => {
    const run = await runCli(['codes', '--json'], { ...env, LOG_LEVEL: 'WARN', LOG_FORMAT: 'JSON' });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toContainEqual(expect.objectContaining({ code: 200 }));
  });
});
