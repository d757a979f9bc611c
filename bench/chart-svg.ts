import type { LoadResult } from './load-run';

/**
 * Two grouped bar charts (requests/s and p99 per operation and connection count, real stack beside
 * the bare chain), written as plain SVG: no charting library is installed in this repository.
 */
export interface ChartInput {
  title: string;
  real: LoadResult[];
  bare: LoadResult[];
}

const COLORS = { real: '#1f77b4', bare: '#bbbbbb' };
const WIDTH = 960;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 70, right: 20, top: 50, bottom: 70 };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A round axis maximum (1 to 10 in short steps, times a power of ten) at or above the largest value. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((f) => f * power).find((v) => v >= value) ?? 10 * power;
}

function panel(y0: number, label: string, metric: (r: LoadResult) => number, input: ChartInput, unit: string): string {
  const groups = input.real.map((real) => ({ real, bare: input.bare.find((b) => b.operation === real.operation && b.connections === real.connections) }));
  const max = niceMax(Math.max(...groups.flatMap((g) => [metric(g.real), g.bare ? metric(g.bare) : 0])));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = plotWidth / Math.max(groups.length, 1);
  const barWidth = Math.min(18, slot / 3);
  const yOf = (v: number) => y0 + MARGIN.top + plotHeight - (v / max) * plotHeight;
  const parts: string[] = [`<text x="${MARGIN.left}" y="${y0 + 30}" font-size="15" font-weight="bold">${escapeXml(label)}</text>`];
  for (let i = 0; i <= 4; i += 1) {
    const v = (max * i) / 4;
    const y = yOf(v);
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${y + 4}" font-size="11" text-anchor="end">${v >= 100 ? Math.round(v) : Number(v.toPrecision(3))}${unit}</text>`);
  }
  groups.forEach((group, i) => {
    const x = MARGIN.left + i * slot + slot / 2;
    for (const [which, result, dx] of [['real', group.real, -barWidth], ['bare', group.bare, 0]] as const) {
      if (!result) continue;
      const value = metric(result);
      const y = yOf(value);
      parts.push(`<rect x="${x + dx}" y="${y}" width="${barWidth}" height="${yOf(0) - y}" fill="${COLORS[which]}"><title>${escapeXml(`${which}: ${result.operation}, ${result.connections} connections: ${value.toFixed(1)}${unit}`)}</title></rect>`);
      parts.push(`<text x="${x + dx + barWidth / 2}" y="${y - 3}" font-size="9" text-anchor="middle">${Math.round(value)}</text>`);
    }
    parts.push(`<text x="${x}" y="${yOf(0) + 14}" font-size="10" text-anchor="middle">c=${group.real.connections}</text>`);
    if (groups[i - 1]?.real.operation !== group.real.operation) {
      const members = groups.filter((g) => g.real.operation === group.real.operation).length;
      parts.push(`<text x="${x - slot / 2 + (members * slot) / 2}" y="${yOf(0) + 30}" font-size="11" text-anchor="middle">${escapeXml(group.real.operation)}</text>`);
    }
  });
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${yOf(0)}" y2="${yOf(0)}" stroke="#333"/>`);
  return parts.join('\n');
}

export function renderChart(input: ChartInput): string {
  const height = PANEL_HEIGHT * 2 + 40;
  const legend = [
    `<rect x="${WIDTH - 300}" y="12" width="12" height="12" fill="${COLORS.real}"/><text x="${WIDTH - 282}" y="22" font-size="12">local stack (gateway → patient → audit → db)</text>`,
    `<rect x="${WIDTH - 300}" y="30" width="12" height="12" fill="${COLORS.bare}"/><text x="${WIDTH - 282}" y="40" font-size="12">bare node:http chain (same hops, fsync)</text>`,
  ].join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="20" font-size="13">${escapeXml(input.title)}</text>`,
    legend,
    panel(20, 'Throughput (requests/s, higher is better)', (r) => r.requestsPerSecond, input, ''),
    panel(20 + PANEL_HEIGHT, 'p99 latency (ms, lower is better)', (r) => r.p99Ms, input, ' ms'),
    '</svg>',
    '',
  ].join('\n');
}
