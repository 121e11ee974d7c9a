/** Per-variant requests/s, error rate and latency over the last minutes, drawn with uPlot. */
import { useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { MetricsPoint } from '../../src/dashboard/metrics-series.js';

const PRIMARY = '#3b82f6';
const CANARY = '#f59e0b';
const AGREEMENT = '#10b981';
/** Mid-grey reads on both a light and a dark background. */
const AXIS = '#8b93a1';
const GRID = 'rgba(139, 147, 161, 0.25)';

/** Whole seconds and up: the points are a second apart. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
const clockTime = (seconds: number): string => new Date(seconds * 1000).toLocaleTimeString(undefined, { hour12: false });

interface Line {
  readonly label: string;
  readonly color: string;
  readonly dash?: number[];
  readonly value: (p: MetricsPoint) => number | null;
}

function Chart(props: { title: string; unit: string; lines: readonly Line[]; points: readonly MetricsPoint[]; testId: string }) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = useMemo<uPlot.AlignedData>(() => [
    props.points.map((p) => p.t / 1000),
    ...props.lines.map((line) => props.points.map(line.value)),
  ], [props.points, props.lines]);

  useEffect(() => {
    const element = holder.current!;
    const axis = { stroke: AXIS, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 } };
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height: 160,
      series: [
        { value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '–' : clockTime(v)) },
        ...props.lines.map((line) => ({
          label: line.label, stroke: line.color, width: 2, ...(line.dash ? { dash: line.dash } : {}),
          value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '–' : `${Number(v.toPrecision(3))} ${props.unit}`),
        })),
      ],
      axes: [{ ...axis, space: 70, incrs: TIME_STEPS, values: (_u: uPlot, ticks: number[]) => ticks.map(clockTime) }, { ...axis, size: 56, values: (_u: uPlot, ticks: number[]) => ticks.map((v) => `${Number(v.toPrecision(3))}`) }],
      scales: { y: { range: (_u: uPlot, min: number, max: number) => [0, Math.max(max, min, 1) * 1.1] } },
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
    };
    plot.current = new uPlot(options, data, element);
    // Charts follow their card's width (a phone held either way).
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, element.clientWidth), height: 160 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Created once per set of lines; data flows in through setData below.
  }, [props.lines]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <figure class="chart" data-testid={props.testId}>
      <figcaption>{props.title}</figcaption>
      <div ref={holder} />
    </figure>
  );
}

const RATE: readonly Line[] = [
  { label: 'primary', color: PRIMARY, value: (p) => p.primary.rps },
  { label: 'canary', color: CANARY, value: (p) => p.canary.rps },
];
const ERRORS: readonly Line[] = [
  { label: 'primary', color: PRIMARY, value: (p) => p.primary.errorPercent },
  { label: 'canary', color: CANARY, value: (p) => p.canary.errorPercent },
];
const LATENCY: readonly Line[] = [
  { label: 'primary p50', color: PRIMARY, value: (p) => p.primary.p50Ms },
  { label: 'primary p99', color: PRIMARY, dash: [6, 4], value: (p) => p.primary.p99Ms },
  { label: 'canary p50', color: CANARY, value: (p) => p.canary.p50Ms },
  { label: 'canary p99', color: CANARY, dash: [6, 4], value: (p) => p.canary.p99Ms },
];
const AGREEMENT_LINES: readonly Line[] = [{ label: 'agreeing', color: AGREEMENT, value: (p) => p.agreementPercent }];

export function Charts(props: { points: readonly MetricsPoint[]; available: boolean }) {
  const mirrored = props.points.some((p) => p.agreementPercent !== null);
  return (
    <section class="card charts" aria-labelledby="charts-title">
      <h2 id="charts-title">Live metrics</h2>
      {!props.available ? <p class="muted">This rollout serves no live metrics.</p> : (
        <div class="chart-grid">
          <Chart title="Requests per second" unit="req/s" lines={RATE} points={props.points} testId="chart-rps" />
          <Chart title="Error rate" unit="%" lines={ERRORS} points={props.points} testId="chart-errors" />
          <Chart title="Latency p50 / p99" unit="ms" lines={LATENCY} points={props.points} testId="chart-latency" />
          {mirrored ? <Chart title="Mirrored answers agreeing" unit="%" lines={AGREEMENT_LINES} points={props.points} testId="chart-agreement" /> : null}
        </div>
      )}
    </section>
  );
}
