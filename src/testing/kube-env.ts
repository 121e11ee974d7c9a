/**
 * A real Kubernetes API server for tests, envtest style: etcd and
 * kube-apiserver v1.20.2 on free 127.0.0.1 ports, static token auth (an admin
 * and a user with read-only RBAC, to see 403s), the CRDs of test/fixtures/crds
 * installed. No nodes and no controllers: tests write status themselves.
 *
 * The binary is built by scripts/setup-test-deps.sh. When it is missing,
 * starting fails with a message saying so; KCANARY_SKIP_KUBE=1 skips instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { KubeClient } from '../kube/client.js';

export const KUBE_APISERVER_VERSION = 'v1.20.2';
export const LIMITED_USER = 'kcanary-readonly';

export function kubeApiserverPath(): string {
  const cache = process.env.KCANARY_CACHE ?? join(homedir(), '.cache', 'kcanary');
  return join(cache, `kube-apiserver-${KUBE_APISERVER_VERSION}`);
}

/** `describe(name, kubeSuiteOptions(), ...)`: skips only when asked to explicitly. */
export function kubeSuiteOptions(): { skip?: string } {
  return process.env.KCANARY_SKIP_KUBE === '1' ? { skip: 'KCANARY_SKIP_KUBE=1' } : {};
}

export const CRD_DIR = fileURLToPath(new URL('../../test/fixtures/crds/', import.meta.url));

/**
 * Makes a current CRD loadable by a 1.20 API server: it predates CEL
 * (`x-kubernetes-validations`) and cannot read empty-string defaults.
 */
export function crdForOldApiserver(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(crdForOldApiserver);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'x-kubernetes-validations') continue;
    if (key === 'default' && value === '') continue;
    out[key] = crdForOldApiserver(value);
  }
  return out;
}

export function readCrds(dir = CRD_DIR): V1CustomResourceDefinition[] {
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) =>
    // js-yaml reads the 2 MB KServe CRD ten times faster than `yaml`; the documents stay plain JSON.
    (loadAll(readFileSync(join(dir, f), 'utf8')) as V1CustomResourceDefinition[]).filter((d) => d?.kind === 'CustomResourceDefinition'));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface KubeEnv {
  readonly server: string;
  /** Cluster-admin (system:masters). */
  readonly admin: KubeClient;
  readonly adminConfig: KubeConfig;
  /** A kubeconfig document for a user: `admin` or LIMITED_USER. */
  kubeconfigYaml(user?: 'admin' | typeof LIMITED_USER, namespace?: string): string;
  /** A client for that user, its default namespace set. */
  client(options?: { user?: 'admin' | typeof LIMITED_USER; namespace?: string; retry?: ConstructorParameters<typeof KubeClient>[0]['retry']; server?: string }): KubeClient;
  /** A fresh namespace with a unique name. */
  createNamespace(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

interface Processes {
  etcd?: ChildProcess;
  apiserver?: ChildProcess;
}

function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startKubeEnv(options: { crdDir?: string } = {}): Promise<KubeEnv> {
  const binary = kubeApiserverPath();
  if (!existsSync(binary)) {
    throw new Error(`kube-apiserver ${KUBE_APISERVER_VERSION} not found at ${binary}: run scripts/setup-test-deps.sh to build it (or set KCANARY_SKIP_KUBE=1 to skip the Kubernetes tests)`);
  }
  // tmpfs when there is one: etcd fsyncs on every write.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'kcanary-kube-'));
  const processes: Processes = {};
  const killAll = () => { processes.etcd?.kill('SIGKILL'); processes.apiserver?.kill('SIGKILL'); };
  process.once('exit', killAll);
  try {
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdLog = join(dir, 'etcd.log');
    processes.etcd = spawn('etcd', [
      '--name', 'kcanary', '--data-dir', join(dir, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${etcdPort}`, '--advertise-client-urls', `http://127.0.0.1:${etcdPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
      '--initial-cluster', `kcanary=http://127.0.0.1:${peerPort}`,
      // The KServe CRD alone is over etcd's default 1.5 MiB request limit.
      '--max-request-bytes', String(16 * 1024 * 1024), '--logger', 'zap', '--log-level', 'error', '--log-outputs', etcdLog,
    ], { stdio: 'ignore' });

    const adminToken = randomBytes(16).toString('hex');
    const limitedToken = randomBytes(16).toString('hex');
    writeFileSync(join(dir, 'tokens.csv'), `${adminToken},kcanary-admin,1,"system:masters"\n${limitedToken},${LIMITED_USER},2,"kcanary-testers"\n`);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const apiLog = join(dir, 'apiserver.log');
    processes.apiserver = spawn(binary, [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--secure-port=${apiPort}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', '--insecure-port=0',
      `--cert-dir=${join(dir, 'certs')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`, '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc', `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`, '--service-cluster-ip-range=10.0.0.0/24',
      '--disable-admission-plugins=ServiceAccount', '--enable-priority-and-fairness=false', '--profiling=false',
      '--endpoint-reconciler-type=none', '--v=0',
    ], { stdio: ['ignore', 'ignore', openSync(apiLog, 'a')] });

    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigYaml = (user: 'admin' | typeof LIMITED_USER = 'admin', namespace = 'default') => JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': user,
      clusters: [{ name: 'envtest', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: user, user: { token: user === 'admin' ? adminToken : limitedToken } }],
      contexts: [{ name: user, context: { cluster: 'envtest', user, namespace } }],
    });
    const configFor = (user: 'admin' | typeof LIMITED_USER, namespace?: string, serverOverride?: string) => {
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfigYaml(user, namespace));
      if (serverOverride) kc.clusters = kc.clusters.map((c) => ({ ...c, server: serverOverride }));
      return kc;
    };
    const adminConfig = configFor('admin');
    await waitReady(adminConfig, processes, apiLog, etcdLog);
    await installCrds(adminConfig, readCrds(options.crdDir));
    await grantReadOnly(adminConfig);

    let namespaces = 0;
    const env: KubeEnv = {
      server,
      adminConfig,
      admin: new KubeClient({ kubeConfig: adminConfig, namespace: 'default' }),
      kubeconfigYaml,
      client: ({ user = 'admin', namespace = 'default', retry, server: serverOverride } = {}) =>
        new KubeClient({ kubeConfig: configFor(user, namespace, serverOverride), namespace, retry: retry ?? { baseDelayMs: 20, maxDelayMs: 200 } }),
      async createNamespace(prefix = 'test') {
        const name = `${prefix}-${process.pid}-${++namespaces}-${randomBytes(2).toString('hex')}`;
        await adminConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
        return name;
      },
      async stop() {
        process.removeListener('exit', killAll);
        await stopProcess(processes.apiserver);
        await stopProcess(processes.etcd);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return env;
  } catch (error) {
    await stopProcess(processes.apiserver);
    await stopProcess(processes.etcd);
    process.removeListener('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** One JSON request with the kubeconfig's credentials, bypassing client-node's model serializer. */
async function rawRequest(kc: KubeConfig, method: string, path: string, body: unknown): Promise<unknown> {
  const url = new URL(kc.getCurrentCluster()!.server + path);
  const options: RequestOptions = { method, headers: { 'content-type': 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${path}: HTTP ${res.statusCode}: ${text.slice(0, 2000)}`));
        else resolve(JSON.parse(text));
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function waitReady(kc: KubeConfig, processes: Processes, apiLog: string, etcdLog: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + 90_000;
  let last: unknown;
  while (Date.now() < deadline) {
    if (processes.etcd?.exitCode !== null) throw new Error(`etcd exited (${processes.etcd?.exitCode}):\n${logTail(etcdLog)}`);
    if (processes.apiserver?.exitCode !== null) throw new Error(`kube-apiserver exited (${processes.apiserver?.exitCode}):\n${logTail(apiLog)}`);
    try {
      // The default namespace appears once the apiserver's own bootstrap is done.
      await core.readNamespace({ name: 'default' });
      return;
    } catch (error) {
      last = error;
      await sleep(250);
    }
  }
  throw new Error(`kube-apiserver did not become ready in 90s (${String(last)}):\n${logTail(apiLog)}`);
}

async function installCrds(kc: KubeConfig, crds: V1CustomResourceDefinition[]): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const crd of crds) {
    // Sent as raw JSON: client-node's typed serializer would rename `default`/`enum` keys it models as `_default`.
    await rawRequest(kc, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crdForOldApiserver(crd));
  }
  for (const crd of crds) {
    const name = crd.metadata!.name!;
    for (let i = 0; ; i++) {
      const current = await api.readCustomResourceDefinition({ name });
      if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (i > 200) throw new Error(`CRD ${name} not Established`);
      await sleep(50);
    }
  }
  // Discovery of a new group lags Established by a moment; wait until each type can be listed.
  const client = new KubeClient({ kubeConfig: kc, namespace: 'default' });
  for (const crd of crds) {
    const version = crd.spec.versions.find((v) => v.storage)!.name;
    const type = { group: crd.spec.group, version, plural: crd.spec.names.plural, kind: crd.spec.names.kind };
    for (let i = 0; ; i++) {
      try {
        await client.list(type);
        break;
      } catch (error) {
        if (i > 200) throw error;
        await sleep(50);
      }
    }
  }
}

/** The limited user may read kcanary's resources everywhere, and change nothing. */
async function grantReadOnly(kc: KubeConfig): Promise<void> {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createClusterRole({ body: {
    metadata: { name: 'kcanary-readonly' },
    rules: [{ apiGroups: ['serving.kserve.io', 'networking.istio.io', 'gateway.networking.k8s.io'], resources: ['*'], verbs: ['get', 'list', 'watch'] }],
  } });
  await rbac.createClusterRoleBinding({ body: {
    metadata: { name: 'kcanary-readonly' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kcanary-readonly' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: LIMITED_USER }],
  } });
}
