import type { TopLevelSpec } from 'vega-lite';
import type { LoadResult } from './load-run';

/** Requests/s and p99 per operation and connection count, the local stack beside the bare chain. */
export interface ChartInput {
  title: string;
  real: LoadResult[];
  bare: LoadResult[];
}

const SYSTEMS = { real: 'local stack (gateway → patient → audit → db)', bare: 'bare node:http chain (same hops, fsync)' };

function rows(input: ChartInput) {
  const row = (system: keyof typeof SYSTEMS) => (r: LoadResult) => ({
    system: SYSTEMS[system],
    cell: `${r.operation}, c=${r.connections}`,
    'requests/s': Math.round(r.requestsPerSecond),
    'p99 ms': r.p99Ms,
  });
  return [...input.real.map(row('real')), ...input.bare.map(row('bare'))];
}

/** Two grouped bar charts, one per measure, bars side by side per cell. */
export function chartSpec(input: ChartInput): TopLevelSpec {
  const cells = input.real.map((r) => `${r.operation}, c=${r.connections}`);
  const panel = (measure: 'requests/s' | 'p99 ms', title: string) => ({
    title,
    width: 860,
    height: 220,
    mark: { type: 'bar' as const, tooltip: true },
    encoding: {
      // labelLimit: vega-lite cuts labels at 180 px by default ("create test result, c…").
      x: { field: 'cell', type: 'nominal' as const, sort: cells, title: null, axis: { labelAngle: -35, labelLimit: 400 } },
      y: { field: measure, type: 'quantitative' as const, title: measure },
      xOffset: { field: 'system', type: 'nominal' as const, sort: [SYSTEMS.real, SYSTEMS.bare] },
      color: {
        field: 'system',
        type: 'nominal' as const,
        title: null,
        scale: { domain: [SYSTEMS.real, SYSTEMS.bare], range: ['#1f77b4', '#bbbbbb'] },
        legend: { orient: 'top' as const, labelLimit: 400 },
      },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: input.title,
    data: { values: rows(input) },
    vconcat: [panel('requests/s', 'Throughput (requests/s, higher is better)'), panel('p99 ms', 'p99 latency (ms, lower is better)')],
    config: { font: 'sans-serif', background: 'white' },
  };
}

/** Renders the chart to SVG with vega-lite and vega (ES modules only, hence loaded with import()). */
export async function renderChart(input: ChartInput): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(chartSpec(input)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
