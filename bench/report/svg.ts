import { fmt } from '../lib/log.js';
import { SERVER_IDS, type ResultSet, type ServerId } from '../lib/results.js';
import { SERVERS } from '../lib/servers.js';

/** The panels of the chart: one figure per mode, each bar labelled with its value. */
const PANELS: ReadonlyArray<{ scenario: string; metric: string; title: string }> = [
  {
    scenario: 'throughput-json',
    metric: 'throughput',
    title: 'tools/call over sessions, JSON responses (req/s)',
  },
  {
    scenario: 'throughput-sse',
    metric: 'throughput',
    title: 'tools/call over sessions, SSE responses (req/s)',
  },
  {
    scenario: 'stateless',
    metric: 'throughput',
    title: 'Stateless, a fresh server per request (req/s)',
  },
  { scenario: 'churn', metric: 'lifecycles', title: 'Session churn (complete lifecycles/s)' },
];

const COLORS: Record<ServerId, string> = {
  ours: '#e0234e',
  'ours-sdk': '#f56565',
  'ours-mounted': '#9b2c2c',
  'ours-fastify': '#9b2c5e',
  baseline: '#4a5568',
  ceiling: '#a0aec0',
  rekog: '#3182ce',
  'sdk-handler': '#38a169',
  'nest-sdk': '#d69e2e',
};

const WIDTH = 760;
const LABEL_WIDTH = 130;
const BAR_AREA = 480;
const BAR_HEIGHT = 18;
const BAR_GAP = 6;
const PANEL_TITLE = 26;
const PANEL_GAP = 18;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A horizontal bar chart of throughput per server and mode, as standalone SVG. Each panel has its
 * own scale, fitted to the servers other than the ceiling, so compare within a panel.
 */
export function renderThroughputSvg(results: ResultSet): string {
  const body: string[] = [];
  let y = 44;
  for (const panel of PANELS) {
    const bars = SERVER_IDS.map((id) => ({
      id,
      value: results.value(panel.scenario, panel.metric, id),
    })).filter((b) => Number.isFinite(b.value));
    if (bars.length === 0) continue;
    // The ceiling is an order of magnitude above the rest: the scale fits the others, and a bar
    // past it is cut, marked, and labelled with its value.
    const others = bars.filter((b) => b.id !== 'ceiling').map((b) => b.value);
    const max =
      (others.length > 0 ? Math.max(...others) : Math.max(...bars.map((b) => b.value))) * 1.1;
    body.push(`<text x="16" y="${y + 16}" class="title">${escape(panel.title)}</text>`);
    y += PANEL_TITLE;
    for (const bar of bars) {
      const cut = bar.value > max;
      const width = cut ? BAR_AREA : Math.max(1, (bar.value / max) * BAR_AREA);
      const label = `${fmt(bar.value)}${cut ? ' (off scale)' : ''}`;
      body.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + BAR_HEIGHT - 5}" class="label" text-anchor="end">${escape(SERVERS[bar.id].label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" rx="2" fill="${COLORS[bar.id]}"/>`,
        `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + BAR_HEIGHT - 5}" class="value">${escape(label)}</text>`,
      );
      if (cut) {
        const x = LABEL_WIDTH + BAR_AREA * 0.85;
        for (const dx of [0, 7]) {
          body.push(
            `<line x1="${x + dx}" y1="${y + BAR_HEIGHT + 2}" x2="${x + dx + 6}" y2="${y - 2}" stroke="#ffffff" stroke-width="3"/>`,
          );
        }
      }
      y += BAR_HEIGHT + BAR_GAP;
    }
    y += PANEL_GAP;
  }
  const { meta } = results.doc;
  const subtitle = `${meta.machine.CPU ?? ''}, ${meta.machine.Cores ?? '?'} cores, Node.js ${meta.machine['Node.js'] ?? ''}, ${meta.startedAt.slice(0, 10)}${meta.quick ? ' (quick run)' : ''}; medians, higher is better; each panel has its own scale`;
  const height = y + 4;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Throughput per server and mode">`,
    '<style>',
    '  text { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; fill: #1a202c; }',
    '  .heading { font-size: 16px; font-weight: 600; }',
    '  .subtitle { font-size: 11px; fill: #4a5568; }',
    '  .title { font-size: 13px; font-weight: 600; }',
    '  .label { font-size: 12px; }',
    '  .value { font-size: 12px; fill: #2d3748; }',
    '</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="22" class="heading">MCP Streamable HTTP servers: throughput per server and mode</text>`,
    `<text x="16" y="38" class="subtitle">${escape(subtitle)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
