/** The dashboard: one local rollout, followed live, with its controls. */
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { Command } from '../../src/core/commands.js';
import type { MetricsPoint, MetricsTotals } from '../../src/dashboard/metrics-series.js';
import type { RolloutSnapshot } from '../../src/local/snapshot.js';
import { Actions, type Outcome } from './actions.js';
import { AnalysisTable } from './analysis-table.js';
import type { CanaryList } from '../../src/dashboard/api-types.js';
import { ApiError, LOCAL_BASE, fetchCanaries, fetchInfo, fetchMetrics, fetchSnapshot, forgetToken, saveToken, sendCommand, takeToken, type Endpoint } from './api.js';
import { ClusterPicker, selectedFromUrl } from './cluster-picker.js';
import { Charts } from './charts.js';
import { toneOf } from './format.js';
import { HistoryList } from './history-list.js';
import { followRollout, type Connection } from './live.js';
import { WeightBars } from './weight-bars.js';

/** Points kept in the page, as on the server: ten minutes at one a second. */
const MAX_POINTS = 600;

function TokenForm(props: { onToken: (token: string) => void; message?: string }) {
  const [value, setValue] = useState('');
  return (
    <main class="token-form">
      <h1>kcanary</h1>
      {props.message ? <p class="outcome tone-bad" role="alert">{props.message}</p> : null}
      <p>Open the dashboard with the address <code>kcanary up</code> printed, or paste the rollout's token (the file <code>.kcanary/&lt;name&gt;.token</code> next to its spec holds it while <code>kcanary up</code> runs).</p>
      <form onSubmit={(event) => { event.preventDefault(); if (value.trim()) props.onToken(value.trim()); }}>
        <input type="password" autoComplete="off" aria-label="token" placeholder="token" value={value} onInput={(event) => setValue((event.target as HTMLInputElement).value)} />
        <button type="submit" class="primary">Open</button>
      </form>
    </main>
  );
}

function Header(props: { snapshot: RolloutSnapshot; connection: Connection; detail: string }) {
  const { snapshot } = props;
  const { status, steps } = snapshot;
  const step = status.stepIndex >= 0 ? `step ${status.stepIndex + 1} of ${steps.length}` : 'before the first step';
  // The tab says how the rollout is doing while the page is in the background.
  useEffect(() => {
    document.title = `${snapshot.name} ${status.phase} ${status.observedWeight ?? status.canaryWeight}% · kcanary`;
  }, [snapshot.name, status.phase, status.observedWeight, status.canaryWeight]);
  return (
    <header class="top">
      <div class="title">
        <h1>{snapshot.name}</h1>
        <span class={`badge phase tone-${toneOf(status.phase)}`} data-testid="phase">{status.phase}</span>
        {status.gated ? <span class="badge tone-warn">waiting at a gate</span> : null}
      </div>
      <div class="subtitle">
        <span data-testid="step">{step}</span>
        <span class="steps">{steps.map((w, i) => <span key={i} class={i === status.stepIndex ? 'current' : i < status.stepIndex ? 'done' : ''}>{w}%</span>)}</span>
        <span class={`connection ${props.connection}`} title={props.detail}>{props.connection === 'live' ? 'live' : props.connection}</span>
      </div>
      <p class="message" data-testid="message">{status.message}</p>
    </header>
  );
}

function Dashboard(props: { endpoint: Endpoint; onUnauthorized: (message: string) => void }) {
  const { endpoint, onUnauthorized } = props;
  const [snapshot, setSnapshot] = useState<RolloutSnapshot | null>(null);
  const [points, setPoints] = useState<readonly MetricsPoint[]>([]);
  const [totals, setTotals] = useState<MetricsTotals | null>(null);
  const [metricsAvailable, setMetricsAvailable] = useState(true);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [detail, setDetail] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  useEffect(() => followRollout(endpoint, {
    snapshot: setSnapshot,
    metrics: ({ point, totals: next }) => {
      setPoints((old) => (old.length >= MAX_POINTS ? [...old.slice(old.length - MAX_POINTS + 1), point] : [...old, point]));
      setTotals(next);
    },
    connection: (state, why) => {
      setConnection(state);
      setDetail(why ?? '');
      if (state === 'unauthorized') onUnauthorized('The token was refused: the rollout may have been restarted with a new one.');
    },
    resync: async () => {
      setSnapshot(await fetchSnapshot(endpoint));
      try {
        const history = await fetchMetrics(endpoint);
        setPoints(history.points);
        setTotals(history.totals);
        setMetricsAvailable(true);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) setMetricsAvailable(false);
        else throw error;
      }
    },
  }), [endpoint, onUnauthorized]);

  const send = useCallback(async (command: Command): Promise<Outcome> => {
    let result: Outcome;
    try {
      const reply = await sendCommand(endpoint, command);
      if (reply.snapshot) setSnapshot(reply.snapshot);
      result = { ok: reply.ok, text: reply.ok ? reply.reason : `Refused: ${reply.reason}` };
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) onUnauthorized(error.message);
      result = { ok: false, text: `Failed: ${(error as Error).message}` };
    }
    setOutcome(result);
    return result;
  }, [endpoint, onUnauthorized]);

  if (!snapshot) {
    return <main class="loading"><p>{connection === 'reconnecting' ? `Cannot reach the rollout (${detail}); trying again…` : 'Connecting to the rollout…'}</p></main>;
  }
  return (
    <>
      <Header snapshot={snapshot} connection={connection} detail={detail} />
      {connection === 'reconnecting' ? <p class="outcome tone-warn banner" role="status">Connection lost ({detail}); reconnecting. What you see may be out of date.</p> : null}
      <main class="grid">
        <WeightBars snapshot={snapshot} totals={totals} />
        <Actions snapshot={snapshot} send={send} outcome={outcome} />
        <Charts points={points} available={metricsAvailable} />
        <AnalysisTable analysis={snapshot.status.lastAnalysis} failures={snapshot.status.failures} inconclusives={snapshot.status.inconclusives} />
        <HistoryList history={snapshot.status.history} />
      </main>
      <footer class="muted">model <code>{snapshot.modelName}</code> · router {snapshot.router}{snapshot.gateway ? <> · gateway <code>{snapshot.gateway}</code></> : null}</footer>
    </>
  );
}

type Mode = { kind: 'probing' } | { kind: 'local' } | { kind: 'cluster'; list: CanaryList } | { kind: 'error'; message: string };

/** A local rollout's control API, or the cluster dashboard's list of canaries. */
function Root(props: { token: string; onUnauthorized: (message: string) => void }) {
  const { token, onUnauthorized } = props;
  const [mode, setMode] = useState<Mode>({ kind: 'probing' });
  const [attempt, setAttempt] = useState(0);
  const [selected, setSelected] = useState<string | null>(() => selectedFromUrl());
  useEffect(() => {
    const probe = async (): Promise<void> => {
      try {
        const info = await fetchInfo(token);
        setMode(info.kind === 'local' ? { kind: 'local' } : { kind: 'cluster', list: await fetchCanaries(token) });
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) onUnauthorized('The token was refused: the server may have been restarted with a new one.');
        else setMode({ kind: 'error', message: (error as Error).message });
      }
    };
    void probe();
  }, [token, onUnauthorized, attempt]);
  const local = useMemo<Endpoint>(() => ({ token, base: LOCAL_BASE }), [token]);
  const choose = useCallback((key: string) => {
    setSelected(key);
    history.replaceState(null, '', `?canary=${encodeURIComponent(key)}`);
  }, []);

  if (mode.kind === 'probing') return <main class="loading"><p>Connecting…</p></main>;
  if (mode.kind === 'error') {
    return (
      <main class="loading">
        <p class="outcome tone-bad" role="alert">{mode.message}</p>
        <button type="button" onClick={() => setAttempt((n) => n + 1)}>Try again</button>
      </main>
    );
  }
  if (mode.kind === 'local') return <Dashboard endpoint={local} onUnauthorized={onUnauthorized} />;
  const key = selected ?? (mode.list.items[0] ? `${mode.list.items[0].namespace}/${mode.list.items[0].name}` : null);
  return (
    <>
      <ClusterPicker token={token} initial={mode.list} selected={key} onSelect={choose} />
      {key ? <ClusterDashboard key={key} token={token} canary={key} onUnauthorized={onUnauthorized} /> : null}
    </>
  );
}

function ClusterDashboard(props: { token: string; canary: string; onUnauthorized: (message: string) => void }) {
  const [namespace, name] = props.canary.split('/') as [string, string];
  const endpoint = useMemo<Endpoint>(() => ({ token: props.token, base: `/api/v1/canaries/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}` }), [props.token, namespace, name]);
  return <Dashboard endpoint={endpoint} onUnauthorized={props.onUnauthorized} />;
}

export function App() {
  const [token, setToken] = useState<string | null>(() => takeToken());
  const [message, setMessage] = useState<string | undefined>(undefined);
  const onUnauthorized = useCallback((why: string) => {
    forgetToken();
    setMessage(why);
    setToken(null);
  }, []);
  if (!token) {
    return <TokenForm message={message} onToken={(value) => { saveToken(value); setMessage(undefined); setToken(value); }} />;
  }
  return <Root token={token} onUnauthorized={onUnauthorized} />;
}
