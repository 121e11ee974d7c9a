/** What the judge thinks: each metric's value against its bound, with the evidence when the sequential judge is on. */
import type { AnalysisRecord, MetricResult } from '../../src/core/status.js';
import { numberOf, timeOf, toneOf } from './format.js';

/** "E ≥ 20" style thresholds name the e-value that rolls back; its inverse is the p-value's level. */
function levelOf(threshold: string): number | null {
  const match = /([\d.]+(?:e[+-]?\d+)?)\s*$/i.exec(threshold);
  const bound = match ? Number(match[1]) : NaN;
  return Number.isFinite(bound) && bound > 1 ? 1 / bound : null;
}

function Evidence(props: { result: MetricResult }) {
  const { eValue, pValue, threshold } = props.result;
  if (eValue === undefined) return <span class="muted">–</span>;
  const level = levelOf(threshold);
  return (
    <span class="evidence">
      e = {numberOf(eValue)}{' '}
      <span class="muted">p = {numberOf(pValue ?? null, 2)}{level === null ? '' : ` (rolls back at p ≤ ${numberOf(level, 2)})`}</span>
    </span>
  );
}

export function AnalysisTable(props: { analysis: AnalysisRecord | null; failures: number; inconclusives: number }) {
  const { analysis } = props;
  return (
    <section class="card analysis" aria-labelledby="analysis-title">
      <h2 id="analysis-title">
        Analysis{' '}
        {analysis ? <span class={`badge tone-${toneOf(analysis.verdict)}`} data-testid="verdict">{analysis.verdict}</span> : null}
      </h2>
      {analysis === null ? <p class="muted">No analysis yet: the first one comes at the end of the first step's interval.</p> : (
        <>
          <p class="muted">at {timeOf(analysis.at)} · failures {props.failures} · inconclusive {props.inconclusives}</p>
          <div class="table-scroll">
            <table>
              <thead><tr><th>metric</th><th>value</th><th>bound</th><th>verdict</th><th>evidence</th><th>why</th></tr></thead>
              <tbody>
                {analysis.results.map((r) => (
                  <tr key={r.name}>
                    <td><code>{r.name}</code></td>
                    <td class="num">{r.value === null ? '–' : `${numberOf(r.value)}${r.unit === '%' ? '%' : r.unit ? ` ${r.unit}` : ''}`}</td>
                    <td>{r.threshold}</td>
                    <td><span class={`badge tone-${toneOf(r.verdict)}`}>{r.verdict}</span></td>
                    <td><Evidence result={r} /></td>
                    <td class="reason">{r.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
