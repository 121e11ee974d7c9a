/** What happened when: the status's transitions, newest first. */
import type { TransitionRecord } from '../../src/core/status.js';
import { timeOf, toneOf } from './format.js';

export function HistoryList(props: { history: readonly TransitionRecord[] }) {
  const items = [...props.history].reverse();
  return (
    <section class="card history" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {items.length === 0 ? <p class="muted">No transitions yet.</p> : (
        <ol class="timeline">
          {items.map((h) => (
            <li key={`${h.at}-${h.to}`}>
              <time dateTime={h.at} title={h.at}>{timeOf(h.at)}</time>
              <span class="transition">
                {h.from ?? '–'} → <span class={`tone-${toneOf(h.to)}`}>{h.to}</span> <span class="muted">at {h.weight}%</span>
              </span>
              <span class="reason">{h.reason}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
