// Settings shared by the commands, with their defaults and their environment variables.

import { DEFAULT_ENSEMBLE } from '../transport/subjects.js';

export interface CommonOptions {
  nats: string;
  ensemble: string;
  tickMs: number;
  maxDataBytes: number;
}

export const COMMON_FLAGS = {
  nats: { type: 'string' },
  ensemble: { type: 'string' },
  tick: { type: 'string' },
  'max-data': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

export class UsageError extends Error {}

export function commonOptions(values: Record<string, unknown>): CommonOptions {
  const nats = (values.nats as string | undefined) ?? process.env.NATSZK_NATS;
  if (!nats) throw new UsageError('--nats <url> is required (or set NATSZK_NATS)');
  return {
    nats,
    ensemble: (values.ensemble as string | undefined) ?? process.env.NATSZK_ENSEMBLE ?? DEFAULT_ENSEMBLE,
    tickMs: positiveInt(values.tick as string | undefined, 'tick', 2000),
    maxDataBytes: positiveInt(values['max-data'] as string | undefined, 'max-data', 1024 * 1024),
  };
}

/** The data limit follows the mesh: a znode plus its envelope must fit in one NATS message. */
export function effectiveMaxData(requested: number, maxPayload: number, log: (m: string) => void): number {
  const fits = maxPayload - 64 * 1024;
  if (requested <= fits) return requested;
  log(`NATS max_payload is ${maxPayload} bytes: znode data limited to ${fits} bytes (raise max_payload for ${requested})`);
  return fits;
}

export function logger(name: string): (message: string) => void {
  return (message) => process.stderr.write(`${new Date().toISOString()} [${name}] ${message}\n`);
}
