/**
 * Server-side apply of the install objects (core, RBAC, apps, CRD) as raw
 * JSON. client-node's typed serializer would drop or rename schema keys it
 * models differently (`x-kubernetes-*`, `default`), so the body goes as written.
 */
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { request as httpRequest, type RequestOptions } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { KcanaryError, ErrorCode, UsageError } from '../errors.js';
import { FIELD_MANAGER } from '../kube/client.js';
import type { Manifest } from './install-manifests.js';

interface Kind { readonly prefix: string; readonly plural: string; readonly namespaced: boolean }

const KINDS: Readonly<Record<string, Kind>> = {
  'v1/Namespace': { prefix: '/api/v1', plural: 'namespaces', namespaced: false },
  'v1/ServiceAccount': { prefix: '/api/v1', plural: 'serviceaccounts', namespaced: true },
  'v1/Service': { prefix: '/api/v1', plural: 'services', namespaced: true },
  'apps/v1/Deployment': { prefix: '/apis/apps/v1', plural: 'deployments', namespaced: true },
  'rbac.authorization.k8s.io/v1/ClusterRole': { prefix: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterroles', namespaced: false },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { prefix: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterrolebindings', namespaced: false },
  'rbac.authorization.k8s.io/v1/Role': { prefix: '/apis/rbac.authorization.k8s.io/v1', plural: 'roles', namespaced: true },
  'rbac.authorization.k8s.io/v1/RoleBinding': { prefix: '/apis/rbac.authorization.k8s.io/v1', plural: 'rolebindings', namespaced: true },
  'apiextensions.k8s.io/v1/CustomResourceDefinition': { prefix: '/apis/apiextensions.k8s.io/v1', plural: 'customresourcedefinitions', namespaced: false },
};

export function objectPath(manifest: Manifest): string {
  const kind = KINDS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!kind) throw new UsageError(`cannot apply ${manifest.apiVersion} ${manifest.kind}: not an install object`);
  const ns = kind.namespaced ? `/namespaces/${encodeURIComponent(manifest.metadata.namespace ?? 'default')}` : '';
  return `${kind.prefix}${ns}/${kind.plural}/${encodeURIComponent(manifest.metadata.name)}`;
}

/**
 * client-node makes a new https.Agent (a new TLS handshake) for every request;
 * the operator talks to the API server all the time, so one keep-alive agent
 * per kubeconfig carries its requests.
 */
const agents = new WeakMap<KubeConfig, HttpsAgent>();

function keepAliveAgent(kc: KubeConfig, fresh: unknown): HttpsAgent | undefined {
  if (!(fresh instanceof HttpsAgent)) return undefined;
  let agent = agents.get(kc);
  if (!agent) {
    agent = new HttpsAgent({ ...fresh.options, keepAlive: true, maxSockets: 64 });
    agents.set(kc, agent);
  }
  fresh.destroy();
  return agent;
}

/** One JSON request with the kubeconfig's credentials; rejects with the API's message on non-2xx. */
export async function kubeRequest(kc: KubeConfig, method: string, path: string, options: { body?: unknown; contentType?: string } = {}): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UsageError('no Kubernetes cluster configured');
  const url = new URL(cluster.server + path);
  const req: RequestOptions = { method, headers: { 'content-type': options.contentType ?? 'application/json', accept: 'application/json' } };
  await kc.applyToHTTPSOptions(req as Parameters<KubeConfig['applyToHTTPSOptions']>[0]);
  const shared = keepAliveAgent(kc, req.agent);
  if (shared) req.agent = shared;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = send(url, req, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const code = res.statusCode ?? 500;
        if (code >= 300) {
          let message = text.slice(0, 500);
          try { message = (JSON.parse(text) as { message?: string }).message ?? message; } catch { /* not JSON */ }
          const errorCode = code === 403 ? ErrorCode.Forbidden : code === 404 ? ErrorCode.NotFound : code === 409 ? ErrorCode.Conflict : ErrorCode.Upstream;
          reject(new KcanaryError(errorCode, `${method} ${path}: HTTP ${code}: ${message}`));
        } else {
          resolve(text ? JSON.parse(text) : {});
        }
      });
    });
    r.on('error', (error) => reject(new KcanaryError(ErrorCode.Upstream, `${method} ${path}: ${error.message}`, { cause: error })));
    r.end(payload);
  });
}

export async function applyObject(kc: KubeConfig, manifest: Manifest): Promise<unknown> {
  const path = `${objectPath(manifest)}?fieldManager=${FIELD_MANAGER}&force=true`;
  return kubeRequest(kc, 'PATCH', path, { body: manifest, contentType: 'application/apply-patch+yaml' });
}
