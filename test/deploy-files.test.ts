// The deployment files a user copies as they are: Kubernetes manifests against the API schema
// and against each other, the config they ship, the systemd units, the Dockerfile, and
// shellcheck on every script.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';

// Compiled into dist/test, so the repository is two levels up.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const k8sDir = path.join(root, 'deploy/kubernetes');

/** Every key the config file may hold: the camelCase names of the command-line flags. */
const CONFIG_KEYS = ['nats', 'natsCreds', 'natsUser', 'natsPassword', 'natsToken', 'natsNkey', 'natsTlsCa', 'natsTlsCert',
  'natsTlsKey', 'ensemble', 'subjectPrefix', 'tick', 'maxData', 'metricsPort', 'logFormat'];

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/StatefulSet': StatefulSet,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

type Labels = Record<string, string>;
interface Volume { name: string; configMap?: { name: string }; secret?: { secretName: string } }
interface Container {
  name: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
  livenessProbe?: { httpGet?: { port: string | number } };
  readinessProbe?: { httpGet?: { port: string | number } };
  resources?: { requests?: Record<string, string> };
}
interface WorkloadSpec {
  selector: { matchLabels: Labels };
  serviceName?: string;
  template: { metadata: { labels: Labels }; spec: { containers: Container[]; volumes?: Volume[] } };
  volumeClaimTemplates?: { metadata: { name: string } }[];
}
interface Manifest<S = unknown> {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  spec: S;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

// Parse errors are kept for the first test to report, so that one bad file fails one test.
const yamlErrors: string[] = [];
const manifests: Manifest[] = readdirSync(k8sDir).filter((f) => /\.ya?ml$/.test(f)).sort().flatMap((file) =>
  parseAllDocuments(readFileSync(path.join(k8sDir, file), 'utf8')).flatMap((doc) => {
    yamlErrors.push(...doc.errors.map((e) => `${file}: ${e.message}`));
    return doc.contents === null ? [] : [{ ...(doc.toJS() as Omit<Manifest, 'file'>), file }];
  }));

function the<S>(kind: string, name?: string): Manifest<S> {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  assert.is(found.length, 1, `expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  return found[0] as Manifest<S>;
}

const workloads = () => manifests.filter((m) => m.kind === 'StatefulSet' || m.kind === 'Deployment') as Manifest<WorkloadSpec>[];

function selects(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function validate(m: Manifest): void {
  const Model = MODELS[`${m.apiVersion}/${m.kind}`];
  assert.ok(Model, `${m.file}: no schema for ${m.apiVersion} ${m.kind}`);
  const { file, ...doc } = m;
  try {
    new Model(doc as never).validate();
  } catch (err) {
    throw new Error(`${file}: ${m.kind} ${m.metadata.name}: ${(err as Error).message}`);
  }
}

test('every Kubernetes document parses and matches the API schema', () => {
  assert.equal(yamlErrors, []);
  for (const m of manifests) validate(m);
  assert.equal([...new Set(manifests.map((m) => m.kind))].sort(),
    ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Namespace', 'PodDisruptionBudget', 'Secret', 'Service', 'StatefulSet']);
});

test('the schema check rejects a broken manifest', () => {
  const sts = the<WorkloadSpec>('StatefulSet');
  assert.throws(() => validate({ ...sts, spec: { ...sts.spec, replicas: 'three' } }), /replicas/);
});

test('every object is in the natszk namespace, labelled natszk, workloads with their component', () => {
  const component: Record<string, string> = { 'servers.yaml': 'server', 'sessions.yaml': 'session' };
  for (const m of manifests) {
    const where = `${m.file}: ${m.kind} ${m.metadata.name}`;
    assert.is(m.kind === 'Namespace' ? m.metadata.name : m.metadata.namespace, 'natszk', where);
    assert.is(m.metadata.labels?.['app.kubernetes.io/name'], 'natszk', where);
    if (component[m.file]) assert.is(m.metadata.labels?.['app.kubernetes.io/component'], component[m.file], where);
  }
});

test('selectors match the pod templates they manage', () => {
  for (const w of workloads()) {
    assert.ok(selects(w.spec.selector.matchLabels, w.spec.template.metadata.labels), `${w.kind} ${w.metadata.name}`);
  }
  const pdb = the<{ selector: { matchLabels: Labels } }>('PodDisruptionBudget');
  const servers = the<WorkloadSpec>('StatefulSet', 'natszk-server');
  assert.ok(selects(pdb.spec.selector.matchLabels, servers.spec.template.metadata.labels), 'the PodDisruptionBudget covers the voting servers');
});

test('the StatefulSet runs exactly the voters it names', () => {
  const sts = the<WorkloadSpec & { replicas: number }>('StatefulSet', 'natszk-server');
  const args = sts.spec.template.spec.containers[0].command ?? [];
  assert.is(args[args.indexOf('--id') + 1], 'from-hostname');
  // from-hostname makes pod natszk-server-N server N+1.
  const ids = Array.from({ length: sts.spec.replicas }, (_, n) => String(n + 1));
  assert.equal(args[args.indexOf('--voters') + 1]?.split(','), ids, 'replicas and --voters agree');
});

test("the StatefulSet's serviceName is a headless Service selecting its pods", () => {
  const sts = the<WorkloadSpec>('StatefulSet', 'natszk-server');
  assert.ok(sts.spec.serviceName, 'serviceName is set');
  const svc = the<{ clusterIP?: string; selector: Labels }>('Service', sts.spec.serviceName);
  assert.is(svc.spec.clusterIP, 'None');
  assert.ok(selects(svc.spec.selector, sts.spec.template.metadata.labels));
});

test('every volumeMount names a volume or a volumeClaimTemplate', () => {
  for (const w of workloads()) {
    const names = [...(w.spec.template.spec.volumes ?? []), ...(w.spec.volumeClaimTemplates ?? []).map((t) => t.metadata)].map((v) => v.name);
    for (const c of w.spec.template.spec.containers) {
      for (const m of c.volumeMounts ?? []) assert.ok(names.includes(m.name), `${w.metadata.name}/${c.name}: no volume '${m.name}' for ${m.mountPath}`);
    }
  }
});

test('probes ask a port the container declares', () => {
  for (const w of workloads()) {
    for (const c of w.spec.template.spec.containers) {
      for (const probe of [c.livenessProbe, c.readinessProbe]) {
        const port = probe?.httpGet?.port;
        assert.ok(port !== undefined, `${w.metadata.name}/${c.name}: liveness and readiness probes`);
        assert.ok((c.ports ?? []).some((p) => p.name === port || p.containerPort === port), `${w.metadata.name}/${c.name}: probe port ${port}`);
      }
    }
  }
});

test('the autoscaler targets the session Deployment, whose containers request CPU', () => {
  const ref = the<{ scaleTargetRef: { apiVersion: string; kind: string; name: string } }>('HorizontalPodAutoscaler').spec.scaleTargetRef;
  assert.equal([ref.apiVersion, ref.kind], ['apps/v1', 'Deployment']);
  const target = the<WorkloadSpec>('Deployment', ref.name);
  // Utilization is a share of the request: without one the autoscaler never acts.
  for (const c of target.spec.template.spec.containers) assert.ok(c.resources?.requests?.cpu, `${c.name}: cpu request`);
});

function assertKnownKeys(config: Record<string, unknown>, where: string): void {
  for (const key of Object.keys(config)) assert.ok(CONFIG_KEYS.includes(key), `${where}: unknown key '${key}'`);
}

test('the ConfigMap holds a config with known keys, at the paths the pods read', () => {
  const text = the<unknown>('ConfigMap', 'natszk-config').data?.['natszk.json'];
  assert.type(text, 'string', 'natszk-config has natszk.json');
  const config = JSON.parse(text!) as { natsCreds?: string; metricsPort?: number };
  assertKnownKeys(config, 'natszk-config');
  assert.ok(config.natsCreds, 'natsCreds is set');
  const secret = the<unknown>('Secret', 'natszk-nats-creds');
  for (const w of workloads()) {
    const volumes = w.spec.template.spec.volumes ?? [];
    for (const c of w.spec.template.spec.containers) {
      const where = `${w.metadata.name}/${c.name}`;
      const mountOf = (file: string) => {
        const m = (c.volumeMounts ?? []).find((v) => v.mountPath === path.posix.dirname(file));
        return { key: path.posix.basename(file), volume: volumes.find((v) => v.name === m?.name) };
      };
      const args = c.command ?? [];
      const conf = mountOf(args[args.indexOf('--config') + 1] ?? '');
      assert.is(conf.volume?.configMap?.name, 'natszk-config', `${where}: --config lies in the ConfigMap's mount`);
      assert.is(conf.key, 'natszk.json', where);
      const creds = mountOf(config.natsCreds!);
      assert.is(creds.volume?.secret?.secretName, 'natszk-nats-creds', `${where}: natsCreds lies in the Secret's mount`);
      assert.ok(creds.key in { ...secret.data, ...secret.stringData }, `${where}: the Secret has key ${creds.key}`);
      assert.ok(c.ports?.some((p) => p.name === 'metrics' && p.containerPort === config.metricsPort), `${where}: metrics port is metricsPort`);
    }
  }
});

test('the host config example parses and uses known keys', () => {
  const config = JSON.parse(readFileSync(path.join(root, 'deploy/systemd/natszk.json.example'), 'utf8')) as { nats: unknown };
  assertKnownKeys(config, 'natszk.json.example');
  const urls = typeof config.nats === 'string' ? [config.nats] : config.nats;
  assert.ok(Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string' && /^(nats|tls):\/\//.test(u)), 'nats: a url or a list of them');
});

function filesNamed(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (['node_modules', 'dist', '.git', 'natszk-data'].includes(e.name)) return [];
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesNamed(full, pattern) : pattern.test(e.name) ? [full] : [];
  });
}

test('shellcheck passes on every script', () => {
  const scripts = [...filesNamed(root, /\.sh$/), path.join(root, '.ci/run')].map((f) => path.relative(root, f));
  assert.ok(scripts.includes('deploy/systemd/install.sh'), `scripts found: ${scripts.join(' ')}`);
  const r = spawnSync('shellcheck', ['-x', ...scripts], { cwd: root, encoding: 'utf8' });
  assert.not.ok(r.error, `shellcheck did not run: ${r.error?.message}`);
  assert.is(r.status, 0, r.stdout + r.stderr);
});

/** A unit file as section → key → values (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(current && eq > 0, `not a unit line: ${line}`);
    const key = line.slice(0, eq).trim();
    current!.set(key, [...(current!.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return sections;
}

test('the systemd units run natszk server or session as the natszk user', () => {
  const units = filesNamed(path.join(root, 'deploy/systemd'), /\.service$/);
  assert.equal(units.map((u) => path.basename(u)).sort(), ['natszk-server@.service', 'natszk-session@.service']);
  for (const file of units) {
    const name = path.basename(file);
    const unit = parseUnit(readFileSync(file, 'utf8'));
    for (const s of ['Unit', 'Service', 'Install']) assert.ok(unit.has(s), `${name}: [${s}]`);
    const service = unit.get('Service')!;
    const exec = service.get('ExecStart') ?? [];
    assert.is(exec.length, 1, `${name}: one ExecStart`);
    const [binary, subcommand, ...args] = exec[0].split(/\s+/);
    assert.is(binary, '/usr/bin/natszk', name);
    assert.is(subcommand, /^natszk-(server|session)@/.exec(name)![1], name);
    assert.equal(service.get('User'), ['natszk'], `${name}: User=natszk, the user install.sh creates`);
    // A server without the voter list would count only itself and form a quorum alone.
    if (subcommand === 'server') {
      const env = (service.get('Environment') ?? []).flatMap((e) => e.split(/\s+/));
      assert.ok(args.includes('--id'), `${name}: --id`);
      assert.ok(args.includes('--voters') || env.some((e) => e.startsWith('NATSZK_VOTERS=')), `${name}: --voters or NATSZK_VOTERS`);
    }
  }
});

test('the image runs as a non-root user with natszk as its entrypoint', () => {
  // Continuation lines joined, comments and blank lines dropped: one instruction per entry.
  const instructions = readFileSync(path.join(root, 'deploy/docker/Dockerfile'), 'utf8')
    .replace(/\\\r?\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => { const [op, ...rest] = l.split(/\s+/); return { op: op.toUpperCase(), arg: rest.join(' ') }; });
  const lastFrom = instructions.map((i) => i.op).lastIndexOf('FROM');
  assert.ok(lastFrom > 0, 'a multi-stage build');
  const final = instructions.slice(lastFrom);
  const user = final.filter((i) => i.op === 'USER').pop()?.arg.split(':')[0];
  assert.ok(user && user !== 'root' && user !== '0', `final stage USER: ${user}`);
  const entrypoint = final.find((i) => i.op === 'ENTRYPOINT');
  assert.ok(entrypoint, 'final stage ENTRYPOINT');
  assert.equal(JSON.parse(entrypoint.arg), ['natszk']);
  // Without these the host's node_modules (native lmdb for another libc) would land in the image.
  const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
  for (const entry of ['node_modules', 'dist']) assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
});

test.run();
