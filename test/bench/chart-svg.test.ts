import { expect } from 'chai';
import { renderChart } from '../../bench/chart-svg';
import type { LoadResult } from '../../bench/load-run';

describe('benchmark chart', () => {
  it('shows every cell label whole (no "create test result, c…")', async function () {
    this.timeout(30_000);
    const result = (operation: LoadResult['operation'], connections: number): LoadResult => ({ operation, connections, requestsPerSecond: 100, p50Ms: 1, p99Ms: 2, errors: 0, total: 100 });
    const cells = [result('create test result', 64), result('create patient', 16)];
    const svg = await renderChart({ title: 'chart', real: cells, bare: cells });
    expect(svg).to.contain('create test result, c=64');
    expect(svg).not.to.contain('…');
  });
});
