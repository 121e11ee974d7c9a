/**
 * The parts of KServe's status code the stand-in controller needs, ported
 * from KServe's Go source (kserve/kserve, pkg/apis/serving/v1beta1/
 * inference_service_status.go and knative.dev/pkg's LivingConditionSet),
 * and KServe's naming (pkg/constants/constants.go). Deliberately independent
 * of kcanary's own code: tests compare kcanary against this.
 */

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  severity?: string;
}

type Json = Record<string, unknown>;

/** constants.PredictorServiceName: `<isvc>-predictor`, or `<isvc>-<predictor.name>-predictor` when the predictor is named. */
export function kservePredictorServiceName(isvcName: string, predictorName?: string): string {
  return predictorName ? `${isvcName}-${predictorName}-predictor` : `${isvcName}-predictor`;
}

/** constants.GetRawServiceLabel: the `app` label of a raw Deployment's pods. */
export function kserveRawServiceLabel(deploymentName: string): string {
  return `isvc.${deploymentName}`;
}

/** Knative Serving names revisions kmeta.ChildName(config.Name, fmt.Sprintf("-%05d", config.Generation)). */
export function knativeRevisionName(configurationName: string, configurationGeneration: number): string {
  return `${configurationName}-${String(configurationGeneration).padStart(5, '0')}`;
}

/**
 * constants.ParseDeploymentMode / utils.GetDeploymentMode: the mode recorded
 * in the status wins, then the annotation (legacy names normalized, from
 * KServe 0.16), then the configured default. Before 0.16 only "Serverless"
 * and "RawDeployment" exist, and any other value falls to the default.
 */
export function kserveDeploymentMode(options: { statusMode?: string; annotation?: string; defaultMode: string; current: boolean }): string {
  const { statusMode, annotation, defaultMode, current } = options;
  const normalize = (mode: string) => (!current ? mode : mode === 'RawDeployment' ? 'Standard' : mode === 'Serverless' ? 'Knative' : mode);
  if (statusMode) return normalize(statusMode);
  const known = current ? ['Standard', 'Knative', 'ModelMesh'] : ['Serverless', 'RawDeployment', 'ModelMesh'];
  if (annotation !== undefined) {
    const mode = normalize(annotation);
    if (known.includes(mode)) return mode;
  }
  return normalize(defaultMode);
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * InferenceServiceStatus.SetCondition through knative's condition manager:
 * a nil condition is ignored; the transition time moves only when the status
 * does; conditions stay sorted by type; the `Ready` summary follows the
 * dependents PredictorReady and IngressReady (conditionSet in
 * inference_service_status.go).
 */
export class ConditionSet {
  constructor(private readonly status: Json) {}

  private list(): Condition[] {
    if (!Array.isArray(this.status.conditions)) this.status.conditions = [];
    return this.status.conditions as Condition[];
  }

  get(type: string): Condition | undefined {
    return this.list().find((c) => c.type === type);
  }

  isTrue(type: string): boolean {
    return this.get(type)?.status === 'True';
  }

  isUnknown(type: string): boolean {
    const c = this.get(type);
    return c === undefined || c.status === 'Unknown';
  }

  /** conditionSet.Manage(ss).InitializeConditions(): Ready and its dependents start Unknown. */
  initialize(): void {
    for (const type of ['IngressReady', 'PredictorReady', 'Ready']) if (!this.get(type)) this.put({ type, status: 'Unknown' });
  }

  set(type: string, condition: { status: ConditionStatus; reason?: string; message?: string } | undefined): void {
    if (!condition) return;
    this.put({ type, status: condition.status, ...(condition.reason ? { reason: condition.reason } : {}), ...(condition.message ? { message: condition.message } : {}) });
    if (type === 'PredictorReady' || type === 'IngressReady') this.summarize();
  }

  clear(type: string): void {
    this.status.conditions = this.list().filter((c) => c.type !== type);
  }

  private put(condition: Condition): void {
    const existing = this.get(condition.type);
    const lastTransitionTime = existing && existing.status === condition.status && existing.lastTransitionTime ? existing.lastTransitionTime : now();
    const rest = this.list().filter((c) => c.type !== condition.type);
    this.status.conditions = [...rest, { ...condition, lastTransitionTime }].sort((a, b) => a.type.localeCompare(b.type));
  }

  /** LivingConditionSet: Ready is False when a dependent is False, Unknown when one is Unknown, True when all are True. */
  private summarize(): void {
    const dependents = ['PredictorReady', 'IngressReady'].map((t) => this.get(t) ?? { type: t, status: 'Unknown' as const });
    const failed = dependents.find((c) => c.status === 'False');
    const unknown = dependents.find((c) => c.status === 'Unknown');
    if (failed) this.put({ type: 'Ready', status: 'False', ...(failed.reason ? { reason: failed.reason } : {}), ...(failed.message ? { message: failed.message } : {}) });
    else if (unknown) this.put({ type: 'Ready', status: 'Unknown', ...(unknown.reason ? { reason: unknown.reason } : {}), ...(unknown.message ? { message: unknown.message } : {}) });
    else this.put({ type: 'Ready', status: 'True' });
  }
}
