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
