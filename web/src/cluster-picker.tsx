/** `kcanary dashboard`: the ModelCanaries the user may see, and the one being looked at. */
import { useEffect, useState } from 'preact/hooks';
import type { CanaryList } from '../../src/dashboard/api-types.js';
import { fetchCanaries } from './api.js';
import { toneOf } from './format.js';

/** The list changes rarely (a canary created or finished); each canary's own page is live. */
const LIST_REFRESH_MS = 15_000;

export function selectedFromUrl(): string | null {
  return new URLSearchParams(location.search).get('canary');
}

export function ClusterPicker(props: { token: string; initial: CanaryList; selected: string | null; onSelect: (key: string) => void }) {
  const [list, setList] = useState(props.initial);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const timer = setInterval(() => {
      fetchCanaries(props.token).then((next) => { setList(next); setError(null); }, (e: Error) => setError(e.message));
    }, LIST_REFRESH_MS);
    return () => clearInterval(timer);
  }, [props.token]);
  return (
    <nav class="picker" aria-label="ModelCanaries">
      <div class="muted">context <code>{list.context}</code> · namespace <code>{list.namespace}</code></div>
      {error ? <p class="outcome tone-bad" role="alert">{error}</p> : null}
      {list.items.length === 0 ? <p class="muted">No ModelCanary in this namespace (or none you may see).</p> : (
        <ul class="canary-list">
          {list.items.map((c) => {
            const key = `${c.namespace}/${c.name}`;
            return (
              <li key={key}>
                <button type="button" class={key === props.selected ? 'selected' : ''} aria-current={key === props.selected ? 'true' : undefined} onClick={() => props.onSelect(key)}>
                  <strong>{c.name}</strong> <span class={`badge tone-${toneOf(c.phase)}`}>{c.phase}</span> <span class="muted">{c.canaryWeight}% · {c.router}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
