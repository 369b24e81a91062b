import type { OutcomeKey } from '../lib/batch-stats.ts';
import { formatPercent, humanize } from '../lib/format.ts';
import { OUTCOME_COLOURS } from '../lib/outcome-colours.ts';

/**
 * The outcome breakdown as a small horizontal bar chart in inline SVG (no chart library), with a
 * legend naming each colour. Screen readers get the same figures as one sentence in the image's
 * label. Colours are SVG `fill` attributes, which the Content-Security-Policy allows (inline styles
 * it refuses).
 */

const ROW = 26;
const LABEL_W = 96;
const BAR_W = 240;
const COUNT_W = 40;

type Breakdown = ReadonlyArray<{ outcome: OutcomeKey; count: number }>;

export function OutcomeChart({ data }: { data: Breakdown }) {
  const total = data.reduce((sum, d) => sum + d.count, 0);
  if (total === 0) return <p class="muted">No call has ended yet.</p>;
  const max = Math.max(...data.map((d) => d.count));
  const summary = data
    .filter((d) => d.count > 0)
    .map((d) => `${humanize(d.outcome)} ${d.count}`)
    .join(', ');
  const width = LABEL_W + BAR_W + COUNT_W;
  const height = data.length * ROW;
  return (
    <>
      <svg
        class="outcome-chart"
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        role="img"
        aria-label={`Outcomes: ${summary}`}
        data-testid="outcome-chart"
      >
        <title>{`Outcomes: ${summary}`}</title>
        {data.map((d, i) => {
          const y = i * ROW;
          const barW = max === 0 ? 0 : Math.max(d.count > 0 ? 2 : 0, Math.round((d.count / max) * BAR_W));
          return (
            <g class={`bar bar-${d.outcome}`} data-outcome={d.outcome}>
              <text x={0} y={y + ROW / 2 + 4} class="bar-label">
                {humanize(d.outcome)}
              </text>
              <rect
                x={LABEL_W}
                y={y + 5}
                width={barW}
                height={ROW - 10}
                rx={3}
                fill={OUTCOME_COLOURS[d.outcome]}
              />
              <text x={LABEL_W + barW + 6} y={y + ROW / 2 + 4} class="bar-count">
                {String(d.count)}
              </text>
            </g>
          );
        })}
      </svg>
      <OutcomeLegend data={data} total={total} />
    </>
  );
}

/** Each colour with its outcome's name, count and share, as text (the chart's image label says it too). */
function OutcomeLegend({ data, total }: { data: Breakdown; total: number }) {
  return (
    <ul class="chart-legend" data-testid="outcome-legend" aria-hidden="true">
      {data.map((d) => (
        <li data-outcome={d.outcome}>
          <svg class="legend-swatch" viewBox="0 0 12 12" width={12} height={12} aria-hidden="true">
            <rect width={12} height={12} rx={2} fill={OUTCOME_COLOURS[d.outcome]} />
          </svg>
          <span class="legend-label">{humanize(d.outcome)}</span>
          <span class="legend-count muted">{`${d.count} · ${formatPercent(d.count, total)}`}</span>
        </li>
      ))}
    </ul>
  );
}
