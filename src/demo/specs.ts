/** The two rollouts of the demo, as ModelCanary documents. */
import { pathToFileURL } from 'node:url';

export interface DemoModels {
  /** Folder holding v1/, v2/, v3/ (models/housing). */
  readonly dir: string;
}

const uri = (models: DemoModels, version: string): string => pathToFileURL(`${models.dir}/${version}`).href;

const common = {
  router: 'local',
  modelName: 'housing',
  local: { gateway: { port: 0 }, stateDir: '.kcanary' },
};

/** The housing ModelCanary from `primary` to `canary`, with the act's rollout and analysis. */
function housingCanary(models: DemoModels, primary: string, canary: string, plan: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'kcanary.io/v1alpha1',
    kind: 'ModelCanary',
    metadata: { name: 'housing' },
    spec: {
      ...common,
      predictor: { model: { modelFormat: { name: 'onnx' }, storageUri: uri(models, primary) } },
      canary: { storageUri: uri(models, canary) },
      ...plan,
    },
  };
}

/** Act 1, the lab's flow: v2 takes 20%, 50%, then all traffic, judged on errors and latency. */
export function upgradeSpec(models: DemoModels): Record<string, unknown> {
  return housingCanary(models, 'v1', 'v2', {
    rollout: { steps: [20, 50, 100], interval: '3s' },
    analysis: {
      judge: 'sequential', minSoak: '2s', stepTimeout: '3s',
      metrics: [{ name: 'error-rate', max: 1 }, { name: 'latency-p99', max: '500ms' }],
    },
  });
}

/**
 * Act 2: v3 is dark-launched (weight 0) with half the primary's requests
 * mirrored to it; its answers are compared with v2's before it serves anyone.
 */
export function badVersionSpec(models: DemoModels): Record<string, unknown> {
  return housingCanary(models, 'v2', 'v3', {
    rollout: { steps: [0, 20, 50, 100], interval: '5s', mirror: 50 },
    analysis: {
      judge: 'sequential', minSoak: '3s', stepTimeout: '5s',
      metrics: [
        { name: 'error-rate', max: 1 },
        { name: 'latency-p99', max: '500ms' },
        // Answers within $50,000 of the primary's agree.
        { name: 'prediction-agreement', min: 99, tolerance: 0.5 },
      ],
    },
  });
}
