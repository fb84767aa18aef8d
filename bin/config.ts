// Settings shared by the commands. Each comes from, in order: its command-line flag, the
// environment variable NATSZK_<FLAG> (--nats-creds: NATSZK_NATS_CREDS), the JSON config file
// (--config or NATSZK_CONFIG; keys are the flags in camelCase, e.g. "natsCreds", "metricsPort"),
// then its default.

import { readFileSync } from 'node:fs';
import type { NatsAuth } from '../transport/nats-bus.js';
import { DEFAULT_ENSEMBLE, Subjects } from '../transport/subjects.js';

export interface CommonOptions {
  /** NATS URLs, tried in turn */
  nats: string[];
  auth: NatsAuth;
  ensemble: string;
  subjects: Subjects;
  tickMs: number;
  maxDataBytes: number;
  logFormat: 'text' | 'json';
  metricsPort?: number;
  /** reads any other setting of this command the same way */
  get: (flag: string) => string | undefined;
}

export const COMMON_FLAGS = {
  config: { type: 'string' },
  nats: { type: 'string' },
  'nats-user': { type: 'string' },
  'nats-password': { type: 'string' },
  'nats-token': { type: 'string' },
  'nats-nkey': { type: 'string' },
  'nats-creds': { type: 'string' },
  'nats-tls-ca': { type: 'string' },
  'nats-tls-cert': { type: 'string' },
  'nats-tls-key': { type: 'string' },
  ensemble: { type: 'string' },
  'subject-prefix': { type: 'string' },
  tick: { type: 'string' },
  'max-data': { type: 'string' },
  'log-format': { type: 'string' },
  'metrics-port': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const COMMON_HELP = `settings (flag, or env NATSZK_<FLAG>, or key in the --config JSON file):
  --config FILE           JSON file of settings, keys as the flags in camelCase (env NATSZK_CONFIG)
  --nats URLS             NATS server URL(s), comma-separated (in the file: a string or a list)
  --nats-user U --nats-password P | --nats-token T | --nats-nkey SEEDFILE | --nats-creds FILE
                          NATS credentials
  --nats-tls-ca FILE --nats-tls-cert FILE --nats-tls-key FILE
                          TLS to NATS
  --ensemble NAME         ensemble name (default 'default')
  --subject-prefix P      subjects are P.* (default natszk.<ensemble>)
  --tick MS               base time unit (default 2000)
  --max-data BYTES        largest znode data (default 1048576)
  --log-format text|json  json: one JSON object per line (default text)
  --metrics-port PORT     serve Prometheus metrics on http://0.0.0.0:PORT/metrics
                          (0: a free port, named in the log)`;

export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

/** 0 asks the system for a free port. */
function tcpPort(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be a port number from 0 to 65535, got '${value}'`);
  return n;
}

export class UsageError extends Error {}

function loadConfigFile(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the config file ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('it must hold one JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`the config file ${file} is not valid: ${(err as Error).message}`);
  }
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const envName = (flag: string) => `NATSZK_${flag.replace(/-/g, '_').toUpperCase()}`;

/** A reader of settings: flag, then environment, then config file. */
export function settings(values: Record<string, unknown>): (flag: string) => string | undefined {
  const file = loadConfigFile((values.config as string | undefined) ?? process.env.NATSZK_CONFIG);
  return (flag) => {
    const v = values[flag] ?? process.env[envName(flag)] ?? file[camel(flag)];
    if (v === undefined || v === null) return undefined;
    return Array.isArray(v) ? v.join(',') : String(v);
  };
}

export function commonOptions(values: Record<string, unknown>): CommonOptions {
  const get = settings(values);
  const nats = get('nats');
  if (!nats) throw new UsageError('--nats <url> is required (or NATSZK_NATS, or "nats" in the config file)');
  const ensemble = get('ensemble') ?? DEFAULT_ENSEMBLE;
  const logFormat = get('log-format') ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`--log-format must be text or json, got '${logFormat}'`);
  const prefix = get('subject-prefix');
  if (prefix !== undefined && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix)) throw new UsageError(`--subject-prefix '${prefix}' must be NATS subject tokens without wildcards`);
  let subjects: Subjects;
  try {
    subjects = new Subjects(ensemble, prefix);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const tls = { caFile: get('nats-tls-ca'), certFile: get('nats-tls-cert'), keyFile: get('nats-tls-key') };
  const metrics = get('metrics-port');
  return {
    nats: nats.split(',').map((u) => u.trim()).filter(Boolean),
    auth: {
      user: get('nats-user'), password: get('nats-password'), token: get('nats-token'),
      nkeySeedFile: get('nats-nkey'), credsFile: get('nats-creds'),
      tls: Object.values(tls).some(Boolean) ? tls : undefined,
    },
    ensemble,
    subjects,
    tickMs: positiveInt(get('tick'), 'tick', 2000),
    maxDataBytes: positiveInt(get('max-data'), 'max-data', 1024 * 1024),
    logFormat,
    metricsPort: metrics === undefined ? undefined : tcpPort(metrics, 'metrics-port'),
    get,
  };
}

/** The data limit follows the mesh: a znode plus its envelope must fit in one NATS message. */
export function effectiveMaxData(requested: number, maxPayload: number, log: (m: string) => void): number {
  const fits = maxPayload - 64 * 1024;
  if (requested <= fits) return requested;
  log(`NATS max_payload is ${maxPayload} bytes: znode data limited to ${fits} bytes (raise max_payload for ${requested})`);
  return fits;
}

/** Text lines for a terminal, or one JSON object per line for a log pipeline. */
export function logger(name: string, format: 'text' | 'json' = 'text'): (message: string) => void {
  if (format === 'json') {
    return (message) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: /fail|error|cannot|lost/i.test(message) ? 'warn' : 'info', actor: name, msg: message })}\n`);
  }
  return (message) => process.stderr.write(`${new Date().toISOString()} [${name}] ${message}\n`);
}
