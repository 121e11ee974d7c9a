/** The lab's picture of the split: one bar per variant, and which model each one serves. */
import type { RolloutSnapshot } from '../../src/local/snapshot.js';
import type { MetricsTotals } from '../../src/dashboard/metrics-series.js';
import { numberOf } from './format.js';

function VariantRow(props: { role: 'primary' | 'canary'; percent: number; storageUri: string; ready: boolean | null; message?: string | undefined; served: number | null }) {
  const { role, percent } = props;
  return (
    <div class={`variant ${role}`}>
      <div class="variant-head">
        <span class="variant-name">{role}</span>
        <span class="variant-percent" data-testid={`weight-${role}`}>{percent}%</span>
      </div>
      <div class="bar" role="img" aria-label={`${role} ${percent}%`}>
        <div class="bar-fill" style={{ width: `${percent}%` }} />
      </div>
      <div class="variant-meta">
        <code class="uri" title={props.storageUri}>{props.storageUri}</code>
        {props.ready === null ? null : (
          <span class={`ready ${props.ready ? 'yes' : 'no'}`} title={props.message}>{props.ready ? 'Ready' : `not Ready${props.message ? `: ${props.message}` : ''}`}</span>
        )}
        {props.served === null ? null : <span class="served">{props.served} requests</span>}
      </div>
    </div>
  );
}

export function WeightBars(props: { snapshot: RolloutSnapshot; totals: MetricsTotals | null }) {
  const { status, observation } = props.snapshot;
  const inForce = status.observedWeight ?? status.canaryWeight;
  const mirror = props.totals?.mirror;
  return (
    <section class="card traffic" aria-labelledby="traffic-title">
      <h2 id="traffic-title">Traffic</h2>
      <VariantRow role="primary" percent={100 - inForce} storageUri={status.stableStorageUri}
        ready={observation ? observation.primary.ready : null} message={observation?.primary.message} served={props.totals?.primary.requests ?? null} />
      <VariantRow role="canary" percent={inForce} storageUri={status.canaryStorageUri}
        ready={observation ? observation.canary.ready : null} message={observation?.canary.message} served={props.totals?.canary.requests ?? null} />
      <p class="muted">
        desired canary weight <strong data-testid="desired-weight">{status.canaryWeight}%</strong>
        {status.observedWeight === null ? ' · not yet observed' : ` · in force ${status.observedWeight}%`}
      </p>
      {mirror && mirror.pairs > 0 ? (
        <p class="muted" data-testid="agreement">
          mirrored answers agreeing: <strong>{numberOf((100 * mirror.agreeing) / mirror.pairs)}%</strong> of {mirror.pairs}
        </p>
      ) : null}
    </section>
  );
}
