// GET /v1/machines: each operation's machine, generated from its definition:
// its states, which of them are steps (a registrar command each), and a
// Mermaid diagram (text). The dashboard draws an operation's path with it.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { MACHINES, stepsOf } from '../../../machines/index.ts';
import { toMermaid } from '../../../machines/mermaid.ts';
import type { OperationType } from '../../../machines/contract.ts';
import type { RouteDeps } from '../app.ts';
import { fromZod } from '../request-schema.ts';
import { errorSchema } from '../response-schemas.ts';

const query = fromZod(z.strictObject({}), 'querystring');

const machineSchema = {
  type: 'object',
  required: ['type', 'initial', 'states', 'steps', 'commands', 'mermaid'],
  properties: {
    type: { type: 'string' },
    initial: { type: 'string' },
    states: { type: 'array', items: { type: 'string' }, description: 'every top-level state, in definition order' },
    steps: { type: 'array', items: { type: 'string' }, description: 'the states that send a registrar command (valid redrive steps)' },
    commands: { type: 'object', additionalProperties: { type: 'string' }, description: 'step -> registrar command' },
    mermaid: { type: 'string', description: 'a Mermaid stateDiagram-v2' },
  },
};

function describe(type: OperationType) {
  const machine = MACHINES[type];
  const states = Object.keys(machine.root.states);
  const steps = stepsOf(type);
  const commands: Record<string, string> = {};
  for (const step of steps) {
    const meta = machine.root.states[step]?.meta as { command?: string } | undefined;
    if (meta?.command) commands[step] = meta.command;
  }
  return { type, initial: machine.root.initial?.target[0]?.key ?? states[0] ?? '', states, steps, commands, mermaid: toMermaid(machine) };
}

export const machineRoutes: FastifyPluginAsync<RouteDeps> = async (app) => {
  // The machines never change while the process runs.
  const described = (Object.keys(MACHINES) as OperationType[]).map(describe);
  app.get(
    '/v1/machines',
    { schema: { tags: ['reference'], summary: 'The operation machines: states, steps and a Mermaid diagram', querystring: query, response: { 200: { type: 'array', items: machineSchema }, 400: errorSchema } } },
    async () => described,
  );
};
