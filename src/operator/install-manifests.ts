/**
 * Everything the operator needs in a cluster, as plain objects: the CRD, a
 * ServiceAccount, least-privilege RBAC (only the verbs and resources the
 * operator calls), the Deployment and a Service for /metrics. `kcanary
 * install` applies them, `--dry-run -o yaml` prints them, and
 * scripts/gen-chart.mjs turns the same objects into the Helm chart.
 */
import { modelCanaryCrd } from '../crd/model-canary-crd.js';
import { HTTPRoute, InferenceService, ModelCanaryResource, VirtualService } from '../kube/resources.js';

export const DEFAULT_INSTALL_NAMESPACE = 'kcanary-system';
export const DEFAULT_IMAGE = 'ghcr.io/kcanary/kcanary:0.1.0';
export const OPERATOR_NAME = 'kcanary-operator';
export const HTTP_PORT = 8080;
export const COLLECTOR_PORT = 8090;
/** The Service KServe's inference logger posts to: spec.predictor.logger.url of the InferenceServices kcanary manages. */
export const COLLECTOR_SERVICE = 'kcanary-collector';
/** Carried by the leading replica's pod only: the collector Service selects it. */
export const COLLECTOR_LABEL = 'kcanary.io/collector';

export interface InstallOptions {
  readonly namespace?: string;
  readonly image?: string;
  readonly replicas?: number;
  /** Namespaces to watch; empty: all. */
  readonly watchNamespaces?: readonly string[];
  readonly logLevel?: string;
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

const LABELS = { 'app.kubernetes.io/name': 'kcanary', 'app.kubernetes.io/component': 'operator' } as const;

/** The API calls the operator makes, resource by resource; nothing more is granted. */
export function operatorRules(): Record<string, unknown>[] {
  return [
    { apiGroups: [ModelCanaryResource.group], resources: [ModelCanaryResource.plural], verbs: ['get', 'list', 'watch', 'patch'] },
    { apiGroups: [ModelCanaryResource.group], resources: [`${ModelCanaryResource.plural}/status`], verbs: ['get', 'patch'] },
    // Server-side apply creates through PATCH, which needs `create` when the object is new; list and watch keep the read caches.
    { apiGroups: [InferenceService.group], resources: [InferenceService.plural], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
    { apiGroups: [VirtualService.group], resources: [VirtualService.plural], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
    { apiGroups: [HTTPRoute.group], resources: [HTTPRoute.plural], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  ];
}

export function installManifests(options: InstallOptions = {}): Manifest[] {
  const namespace = options.namespace ?? DEFAULT_INSTALL_NAMESPACE;
  const labels = { ...LABELS };
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace } : {}), labels });
  const args = ['operator', '--in-cluster', `--leader-election-namespace=${namespace}`, `--listen=0.0.0.0:${HTTP_PORT}`, `--collector=0.0.0.0:${COLLECTOR_PORT}`,
    ...(options.watchNamespaces ?? []).map((ns) => `--namespace=${ns}`)];
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } },
    modelCanaryCrd() as unknown as Manifest,
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(OPERATOR_NAME) },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(OPERATOR_NAME, false), rules: operatorRules() },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta(OPERATOR_NAME, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: OPERATOR_NAME },
      subjects: [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace }],
    },
    // Leader election: one Lease, in the operator's own namespace only.
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(`${OPERATOR_NAME}-leader-election`),
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
        // The leader labels its own pod so that the prediction collector's Service reaches it.
        { apiGroups: [''], resources: ['pods'], verbs: ['patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(`${OPERATOR_NAME}-leader-election`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${OPERATOR_NAME}-leader-election` },
      subjects: [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace }],
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(OPERATOR_NAME),
      spec: {
        replicas: options.replicas ?? 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: OPERATOR_NAME,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'operator',
              image: options.image ?? DEFAULT_IMAGE,
              args,
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'KCANARY_LOG_LEVEL', value: options.logLevel ?? 'info' },
              ],
              ports: [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }, { name: 'collector', containerPort: COLLECTOR_PORT, protocol: 'TCP' }],
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5 },
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            }],
          },
        },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: meta(OPERATOR_NAME),
      spec: { selector: labels, ports: [{ name: 'http', port: HTTP_PORT, targetPort: 'http', protocol: 'TCP' }] },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: meta(COLLECTOR_SERVICE),
      spec: { selector: { ...labels, [COLLECTOR_LABEL]: 'active' }, ports: [{ name: 'http', port: 80, targetPort: 'collector', protocol: 'TCP' }] },
    },
  ];
}
