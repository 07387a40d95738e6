import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api } from '../auth';
import { Alert } from '../components';

interface Stats {
  series: Array<{ start: string; codes_sent: number; logins: number; conversion: number | null }>;
  by_country: Array<{
    country: string | null;
    sent: number;
    delivered: number;
    logins: number;
    conversion: number | null;
  }>;
  by_provider: Array<{ provider: string | null; sent: number; delivered: number; failed: number }>;
  latency: { bounds_ms: number[]; accepted: number[]; delivered: number[] };
}

/** A uPlot chart that follows its container's width. */
function Chart({
  options,
  data,
  label,
}: {
  options: Omit<uPlot.Options, 'width'>;
  data: uPlot.AlignedData;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    if (!box.current) return;
    plot.current = new uPlot({ ...options, width: box.current.clientWidth || 600 }, data, box.current);
    const resize = new ResizeObserver(() => {
      if (box.current) plot.current?.setSize({ width: box.current.clientWidth, height: options.height });
    });
    resize.observe(box.current);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
    };
  }, []);
  useEffect(() => plot.current?.setData(data), [data]);
  return <div class="chart" ref={box} role="img" aria-label={label} />;
}

const percent = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)}%`);
const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${ms / 1000} s`);

export function Charts() {
  const [interval, setInterval_] = useState<'hour' | 'day'>('hour');
  const [stats, setStats] = useState<Stats>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let live = true;
    const load = () =>
      api<Stats>('GET', `/api/v2/stats/sms?interval=${interval}`).then(
        (s) => live && setStats(s),
        (err: Error) => live && setError(err.message),
      );
    load();
    const timer = setInterval(load, 5000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [interval]);

  const total = (key: 'codes_sent' | 'logins') => stats?.series.reduce((sum, b) => sum + b[key], 0) ?? 0;
  const sent = total('codes_sent');
  const logins = total('logins');
  const times = stats?.series.map((b) => Date.parse(b.start) / 1000) ?? [];
  const bounds = stats?.latency.bounds_ms ?? [];
  return (
    <>
      <div class="row">
        <label for="interval">Per</label>
        <select
          id="interval"
          value={interval}
          onChange={(e) => setInterval_(e.currentTarget.value as 'hour' | 'day')}
        >
          <option value="hour">hour (last 24 hours)</option>
          <option value="day">day (last 30 days)</option>
        </select>
      </div>
      <Alert>{error}</Alert>
      <dl class="totals">
        <div>
          <dt>Codes sent</dt>
          <dd data-testid="codes-sent">{stats ? sent : '…'}</dd>
        </div>
        <div>
          <dt>Logins</dt>
          <dd data-testid="logins">{stats ? logins : '…'}</dd>
        </div>
        <div>
          <dt>Conversion</dt>
          <dd>{percent(sent ? logins / sent : null)}</dd>
        </div>
      </dl>
      {stats && (
        <>
          <h2>Codes sent and logins</h2>
          <Chart
            label={`Codes sent and logins per ${interval}`}
            data={[times, stats.series.map((b) => b.codes_sent), stats.series.map((b) => b.logins)]}
            options={{
              height: 240,
              series: [
                {},
                { label: 'Codes sent', stroke: '#2457c5', width: 2 },
                { label: 'Logins', stroke: '#12805c', width: 2 },
              ],
            }}
          />
          <h2>Conversion</h2>
          <Chart
            label={`Conversion rate per ${interval}`}
            data={[times, stats.series.map((b) => (b.conversion === null ? null : b.conversion * 100))]}
            options={{
              height: 160,
              series: [{}, { label: 'Conversion %', stroke: '#9a3fb8', width: 2, spanGaps: true }],
              scales: { y: { range: [0, 100] } },
            }}
          />
          <h2>Delivery latency</h2>
          <div class="table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Within</th>
                  <th scope="col">Accepted by the provider</th>
                  <th scope="col">Delivered (receipt)</th>
                </tr>
              </thead>
              <tbody>
                {stats.latency.accepted.map((count, i) => (
                  <tr key={String(i)}>
                    <th scope="row">
                      {i < bounds.length
                        ? `< ${seconds(bounds[i] ?? 0)}`
                        : `≥ ${seconds(bounds[bounds.length - 1] ?? 0)}`}
                    </th>
                    <td>
                      <meter min={0} max={Math.max(1, ...stats.latency.accepted)} value={count} /> {count}
                    </td>
                    <td>{stats.latency.delivered[i] ?? 0}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="columns">
            <section>
              <h2>By country</h2>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Country</th>
                    <th scope="col">Sent</th>
                    <th scope="col">Logins</th>
                    <th scope="col">Conversion</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.by_country.map((c) => (
                    <tr key={c.country ?? '?'}>
                      <th scope="row">{c.country ?? 'unknown'}</th>
                      <td>{c.sent}</td>
                      <td>{c.logins}</td>
                      <td>{percent(c.conversion)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section>
              <h2>By provider</h2>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Provider</th>
                    <th scope="col">Sent</th>
                    <th scope="col">Delivered</th>
                    <th scope="col">Failed</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.by_provider.map((p) => (
                    <tr key={p.provider ?? '?'}>
                      <th scope="row">{p.provider ?? 'not yet'}</th>
                      <td>{p.sent}</td>
                      <td>{p.delivered}</td>
                      <td>{p.failed}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </div>
        </>
      )}
    </>
  );
}
